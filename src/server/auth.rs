//! Bearer tokens: read from the request, checked against the stored hashes on a blocking thread, failures
//! counted per address and per account (429 once a minute's allowance is used up).

use std::sync::Arc;

use axum::http::{header, HeaderMap};

use super::{App, Problem};
use crate::service::accounts::{self, Refused};
use crate::store::Account;

/// The token of `Authorization: Bearer TOKEN`, if the header is there.
pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The account a token acts for; 401 for no token or a token that is unknown, expired, revoked or of a
/// disabled account (the same answer for all), 429 once the address or the account has failed too often.
pub(super) async fn check(app: &Arc<App>, address: &str, token: Option<String>) -> Result<Account, Problem> {
    if app.limiter.blocked(address) {
        return Err(Problem::too_many());
    }
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        app.limiter.fail(address);
        return Err(Problem::unauthorized());
    };
    let now = crate::store::format_time(chrono::Utc::now());
    let found = app.with_store(false, move |store| Ok(accounts::authenticate(store, &token, &now)?)).await?;
    match found {
        Ok(account) => Ok(account),
        Err(Refused::Unknown) => {
            app.limiter.fail(address);
            Err(Problem::unauthorized())
        }
        Err(Refused::Inactive { account }) => {
            let key = format!("account {account}");
            app.limiter.fail(address);
            app.limiter.fail(&key);
            if app.limiter.blocked(&key) {
                return Err(Problem::too_many());
            }
            Err(Problem::unauthorized())
        }
    }
}
