//! Sign-in, sign-out and the language of an account's pages.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::form::{Form, CSRF_FIELD};
use super::layout;
use super::text::{Lang, K};
use super::{browser_lang, cookie, see_other, App, Page, Signed, LOGIN_COOKIE, SESSION_COOKIE};
use crate::service::accounts;

/// A cookie of the pages: HttpOnly, SameSite=Strict, for the whole site; Secure when asked.
fn set_cookie(app: &App, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if app.sessions.secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("pc_none=; Max-Age=0"))
}

/// HMAC-SHA-256 (RFC 2104) of `message` under `key` (32 bytes, shorter than SHA-256's 64-byte block).
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let (mut inner, mut outer) = ([0x36u8; 64], [0x5cu8; 64]);
    for (i, k) in key.iter().enumerate() {
        inner[i] ^= k;
        outer[i] ^= k;
    }
    let inner_hash = Sha256::new().chain_update(inner).chain_update(message).finalize();
    Sha256::new().chain_update(outer).chain_update(inner_hash).finalize().into()
}

/// A sign-in form token: a random value and its HMAC under the process's key, `VALUE.MAC` in hex. The double
/// submit alone (cookie = field) would accept a pair the client chose; the MAC makes it one the server issued.
fn login_token(app: &App) -> String {
    let value = crate::digest::hex_digest(&rand::random::<[u8; 16]>());
    let mac = crate::digest::hex_digest(&hmac_sha256(&app.sessions.login_key, value.as_bytes()));
    format!("{value}.{mac}")
}

/// Whether a sign-in form token is one this process issued.
fn issued(app: &App, token: &str) -> bool {
    let Some((value, mac)) = token.split_once('.') else { return false };
    let expected = crate::digest::hex_digest(&hmac_sha256(&app.sessions.login_key, value.as_bytes()));
    accounts::constant_time_eq(mac.as_bytes(), expected.as_bytes())
}

/// The sign-in form, with a fresh form token in a cookie and a hidden field.
fn form(app: &App, lang: Lang, message: Option<K>, user: &str, status: StatusCode) -> Response {
    let token = login_token(app);
    let body = layout::bare(
        lang,
        lang.t(K::SignIn),
        html! {
            div.login.panel {
                h1 { (lang.t(K::SignIn)) }
                p.lead { (lang.t(K::SignInLead)) }
                @if let Some(message) = message {
                    p.notice.bad role="alert" { (lang.t(message)) }
                }
                form method="post" action="/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    div {
                        label for="user" { (lang.t(K::UserName)) }
                        input id="user" name="user" type="text" autocomplete="username" required value=(user);
                    }
                    div {
                        label for="password" { (lang.t(K::Password)) }
                        input id="password" name="password" type="password" autocomplete="current-password" required;
                    }
                    button type="submit" { (lang.t(K::SignIn)) }
                }
            }
        },
    );
    let mut response = (status, super::html(body)).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(app, LOGIN_COOKIE, &token, 3600));
    response
}

/// `GET /login`.
pub(super) async fn login_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    form(&app, browser_lang(&headers), None, "", StatusCode::OK)
}

/// `POST /login`: a session for a right name and password, else the form again (401), 429 after `--rate-limit`
/// failures a minute per address or account, as the API's login.
pub(super) async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = browser_lang(&headers);
    let fields = Form::parse(&body);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let given = fields.get(CSRF_FIELD);
    if !issued(&app, &expected) || !accounts::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Page::refused(lang, K::ForbiddenCsrf).into_response();
    }
    let (user, password) = (fields.get("user").to_string(), fields.get("password").to_string());
    let (address, account) = (format!("address {}", peer.ip()), format!("account {user}"));
    // Counted before the password is checked, however many sign-ins arrive at once; given back if it is right.
    let Some(attempt) = app.limiter.reserve(&[&address, &account]) else {
        return form(&app, lang, Some(K::TooManyAttempts), &user, StatusCode::TOO_MANY_REQUESTS);
    };
    let hours = i64::from(app.sessions.hours.max(1));
    let expires = crate::store::format_time(chrono::Utc::now() + chrono::Duration::hours(hours));
    let name = user.clone();
    let started = app
        .with_store(true, move |store| {
            Ok(match accounts::login(store, &name, &password)? {
                Some(found) => Some(accounts::start_session(store, &found.name, &expires)?),
                None => None,
            })
        })
        .await;
    match started {
        Ok(Some((session, _))) => {
            attempt.succeeded();
            let mut response = see_other("/");
            let headers = response.headers_mut();
            headers.append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, &session, hours * 3600));
            headers.append(header::SET_COOKIE, set_cookie(&app, LOGIN_COOKIE, "", 0));
            response
        }
        Ok(None) => form(&app, lang, Some(K::WrongLogin), &user, StatusCode::UNAUTHORIZED),
        Err(problem) => Page::failed(lang, problem).into_response(),
    }
}

/// `POST /logout`: the session ends at once, in the database, and the cookie is cleared.
pub(super) async fn logout(State(app): State<Arc<App>>, signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(page) = Form::parse(&body).check(&signed) {
        return page.into_response();
    }
    let Some(session) = cookie(&headers, SESSION_COOKIE) else { return see_other("/login") };
    if let Err(problem) = app.with_store(true, move |store| Ok(accounts::end_session(store, &session)?)).await {
        return Page::failed(signed.lang, problem).into_response();
    }
    let mut response = see_other("/login");
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", 0));
    response
}

/// `POST /language`: the account's pages in Danish or English from now on.
pub(super) async fn language(State(app): State<Arc<App>>, signed: Signed, body: Bytes) -> Response {
    let fields = Form::parse(&body);
    if let Err(page) = fields.check(&signed) {
        return page.into_response();
    }
    let Some(lang) = Lang::parse(fields.get("language")) else {
        return Page::not_found(signed.lang).into_response();
    };
    let name = signed.account.name.clone();
    if let Err(problem) = app.with_store(true, move |store| Ok(store.set_language(&name, Some(lang.code()))?)).await {
        return Page::failed(signed.lang, problem).into_response();
    }
    // The front page: the pages send no Referer (Referrer-Policy: no-referrer) to say where the form was.
    see_other("/")
}
