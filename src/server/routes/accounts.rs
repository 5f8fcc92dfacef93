//! Accounts: a login for a token, and the admin's `user` and `token` commands over HTTP.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::*;

/// A login: an account's name and password for a new token (`POST /api/v1/tokens`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(in crate::server) struct Login {
    /// The account's name.
    user: String,
    /// Its password.
    password: String,
    /// When the token stops working (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC); default: in 30 days; at most
    /// 366 days ahead, and never in the past (400).
    expires: Option<String>,
}

/// Days a token made by a login works when no `expires` is given.
const LOGIN_TOKEN_DAYS: i64 = 30;

/// A new API token for an account's name and password (no bearer token needed). Failed logins are counted per
/// address and per account: 429 after `--rate-limit` a minute.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = Login,
    responses((status = 200, description = "`{schema_version, id, token, expires_at}`; the token is shown once"),
              (status = 401, description = "wrong name or password, or a disabled account"),
              (status = 429, description = "too many failed logins")))]
pub(in crate::server) async fn login(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    body: Bytes,
) -> Result<Response, Problem> {
    let login: Login = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("the body is not a login ({{\"user\", \"password\"}}): {e}")))?;
    let expires = match login.expires.as_deref() {
        Some(raw) => crate::store::parse_moment(raw).map_err(|e| Problem::bad_request(format!("expires: {e}")))?,
        None => crate::store::format_time(chrono::Utc::now() + chrono::Duration::days(LOGIN_TOKEN_DAYS)),
    };
    // Checked before the password: a self-made token ends within a year, and never before it is made.
    let longest = Some(service::accounts::LOGIN_TOKEN_MAX_DAYS);
    service::accounts::check_expiry(&expires, chrono::Utc::now(), longest)
        .map_err(|e| Problem::bad_request(format!("expires: {e}")))?;
    let (address, account) = (format!("address {}", peer.ip()), format!("account {}", login.user.trim()));
    // Counted before the password is checked, however many logins arrive at once; given back if it is right.
    let Some(attempt) = app.limiter.reserve(&[&address, &account]) else {
        return Err(Problem::too_many());
    };
    let made = app
        .with_store(true, move |store| {
            match service::accounts::login(store, &login.user, &login.password)? {
                Some(found) => Ok(Some(service::accounts::add_token(store, &found.name, Some(&expires))?)),
                None => Ok(None),
            }
            .map(|made| made.map(|(id, token)| (id, token, expires)))
        })
        .await?;
    let Some((id, token, expires_at)) = made else {
        return Err(Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong user name or password"));
    };
    attempt.succeeded();
    let value = json!({"schema_version": SCHEMA_VERSION, "id": id, "token": token, "expires_at": expires_at});
    Ok(json_response(StatusCode::OK, &value))
}

/// A new account (`pledgecheck user add`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(in crate::server) struct NewUser {
    /// The account's name.
    name: String,
    /// recruiter, auditor or admin.
    role: String,
    /// The firm of a recruiter.
    firm: Option<String>,
    /// The password; generated (and returned once) when not given.
    password: Option<String>,
}

/// The accounts (`pledgecheck user list`).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts",
    responses((status = 200, description = "`{schema_version, users}`"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn users(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let users = app.with_store(false, |store| Ok(store.users()?)).await?;
    Ok(json_response(StatusCode::OK, &json!({"schema_version": SCHEMA_VERSION, "users": users})))
}

/// Adds an account (`pledgecheck user add`); a generated password is in the answer, once.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUser,
    responses((status = 200, description = "`{schema_version, name, role, firm, password?}`"),
              (status = 400, description = "a taken name, an unknown firm or role"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn add_user(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let new: NewUser = serde_json::from_slice(&body).map_err(|e| {
        Problem::bad_request(format!(
            "the body is not a new user ({{\"name\", \"role\", \"firm\"?, \"password\"?}}): {e}"
        ))
    })?;
    let role = Role::parse(&new.role).ok_or_else(|| {
        Problem::bad_request(format!("unknown role {:?} (expected recruiter, auditor or admin)", new.role))
    })?;
    let generated = new.password.is_none().then(service::accounts::generate_password);
    let password = new.password.clone().or(generated.clone()).unwrap_or_default();
    let (name, firm) = (new.name.trim().to_string(), new.firm.clone());
    let (n, f) = (name.clone(), firm.clone());
    app.with_store(true, move |store| {
        service::accounts::add_user(store, &n, role, f.as_deref(), &password).map_err(|e| {
            match e.downcast::<crate::store::AccountError>() {
                Ok(account) => Problem::from(account),
                Err(other) => Problem::bad_request(format!("{other:#}")),
            }
        })
    })
    .await?;
    let value =
        json!({"schema_version": SCHEMA_VERSION, "name": name, "role": role, "firm": firm, "password": generated});
    Ok(json_response(StatusCode::OK, &value))
}

/// Disables an account (`pledgecheck user disable`): its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/users/{name}/disable", tag = "accounts", params(("name" = String, Path)),
    responses((status = 200, description = "disabled"), (status = 400, description = "no such user"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn disable_user(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let n = name.clone();
    app.with_store(true, move |store| Ok(store.disable_user(n.trim())?)).await?;
    Ok(json_response(StatusCode::OK, &json!({"schema_version": SCHEMA_VERSION, "name": name.trim(), "disabled": true})))
}

/// An account's tokens (`pledgecheck token list`, never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/users/{name}/tokens", tag = "accounts", params(("name" = String, Path)),
    responses((status = 200, description = "`{schema_version, tokens}`"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn user_tokens(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let tokens = app.with_store(false, |store| Ok(store.tokens()?)).await?;
    let tokens: Vec<_> = tokens.into_iter().filter(|t| t.user == name.trim()).collect();
    Ok(json_response(StatusCode::OK, &json!({"schema_version": SCHEMA_VERSION, "tokens": tokens})))
}

/// When a token made for an account stops working.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct ExpiresQuery {
    /// RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC; default: never.
    expires: Option<String>,
}

/// Makes a token for an account (`pledgecheck token add --user NAME`); the token is in the answer, once.
#[utoipa::path(post, path = "/api/v1/users/{name}/tokens", tag = "accounts", params(("name" = String, Path), ExpiresQuery),
    responses((status = 200, description = "`{schema_version, id, token, expires_at}`"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn add_user_token(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    Query(q): Query<ExpiresQuery>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let expires = q
        .expires
        .as_deref()
        .map(|raw| crate::store::parse_moment(raw).map_err(|e| Problem::bad_request(format!("expires: {e}"))))
        .transpose()?;
    // An admin's token may last any time (as `token add`), but not end before it is made.
    if let Some(at) = &expires {
        service::accounts::check_expiry(at, chrono::Utc::now(), None)
            .map_err(|e| Problem::bad_request(format!("expires: {e}")))?;
    }
    let at = expires.clone();
    let (id, token) =
        app.with_store(true, move |store| Ok(service::accounts::add_token(store, &name, at.as_deref())?)).await?;
    let value = json!({"schema_version": SCHEMA_VERSION, "id": id, "token": token, "expires_at": expires});
    Ok(json_response(StatusCode::OK, &value))
}

/// Revokes a token by its number (`pledgecheck token revoke`).
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, description = "revoked"), (status = 400, description = "no such token"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn revoke_token(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "manage accounts")?;
    let id: i64 =
        id.trim().parse().map_err(|_| Problem::bad_request(format!("no token {id:?} (expected its number)")))?;
    app.with_store(true, move |store| Ok(store.revoke_token(id)?)).await?;
    Ok(json_response(StatusCode::OK, &json!({"schema_version": SCHEMA_VERSION, "id": id, "revoked": true})))
}
