//! The web pages of `pledgecheck serve`, for people in a browser: sign-in with server-side sessions, the
//! recruiters' pages (their firm only) and the auditors' pages. Rendered on the server with maud (compile-checked,
//! every value escaped), no script at all, styled with the HTML report's CSS and drawn with its SVG charts.
//!
//! The pages call what the API calls: reads go through a `store::View` scoped to the account's firm
//! ([`super::Caller::scope`]), writes through the API's import path (`routes::run_import`, `service::by_hand`), so
//! that a page can no more reach another firm's search than a token can.
//!
//! Security: the session id lives in an HttpOnly, SameSite=Strict cookie (Secure with `--secure-cookies`); only its
//! SHA-256 is stored (schema/0006_sessions.sql). Every form carries the session's token and a POST without it is
//! refused (403); the sign-in form carries one too (a cookie and a field that must agree). Failed sign-ins count
//! against the API's rate limit. Every page is sent with a Content-Security-Policy that allows no script.

mod admin;
mod auditor;
mod form;
mod layout;
mod recruiter;
mod signin;
pub(crate) mod text;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use self::text::{Lang, K};
use super::{Actor, App, Caller, Problem};
use crate::service::accounts;
use crate::store::{Account, Role};

/// How sessions are made: `serve`'s `--secure-cookies` and `--session-hours`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sessions {
    /// Mark the cookie Secure.
    pub secure: bool,
    /// How long a session lasts.
    pub hours: u32,
    /// The key of this process that signs the sign-in form's token (`pc_login`), so that only a value the server
    /// issued is accepted; a new one at each start (a form from before a restart is shown again).
    pub login_key: [u8; 32],
}

/// The session cookie's name.
const SESSION_COOKIE: &str = "pc_session";

/// The sign-in form's cookie, which its hidden field must repeat (there is no session yet to hold a token).
const LOGIN_COOKIE: &str = "pc_login";

/// No script at all; styles and images from the server only; forms post to the server only; never in a frame.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The pages' routes.
pub(super) fn pages() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/style.css", get(style))
        .route("/login", get(signin::login_page).post(signin::login))
        .route("/logout", post(signin::logout))
        .route("/language", post(signin::language))
        .route("/searches", get(recruiter::list))
        .route("/searches/new", get(recruiter::new_form).post(recruiter::new_post))
        .route("/searches/{firm}/{search_ref}", get(recruiter::search_page))
        .route("/searches/{firm}/{search_ref}/history", get(recruiter::history_page))
        .route("/searches/{firm}/{search_ref}/edit", get(recruiter::edit_form).post(recruiter::edit_post))
        .route("/searches/{firm}/{search_ref}/exemption", post(recruiter::exemption_post))
        .route("/upload", get(recruiter::upload_page).post(recruiter::upload_post))
        .route("/firms", get(auditor::overview))
        .route("/firms/{firm}", get(auditor::firm_page))
        .route("/quarters/{quarter}", get(auditor::quarter_page))
        .route("/quarters/{quarter}/pack", get(auditor::pack))
        .route("/clients", get(auditor::clients))
        .route("/whatif", get(auditor::whatif_page).post(auditor::whatif_post))
        .route("/evidence", get(auditor::evidence))
        .route("/accounts", get(admin::accounts).post(admin::add))
        .route("/accounts/disable", post(admin::disable))
        .layer(axum::middleware::from_fn(name_actor))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Any other path: the API's problem+json 404 under `/api/`, a page elsewhere (a browser's mistyped address).
pub(super) async fn no_route(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return super::routes::no_route().await.into_response();
    }
    let mut response = Page::not_found(browser_lang(&headers)).into_response();
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

/// The front page: a recruiter's dashboard, everyone else's overview of the firms.
async fn home(State(app): State<Arc<App>>, signed: Signed) -> Result<Response, Page> {
    match signed.account.role {
        Role::Recruiter => recruiter::dashboard(app, signed).await,
        Role::Auditor | Role::Admin => auditor::overview_of(app, signed, Default::default()).await,
    }
}

/// The pages' stylesheet: the HTML report's CSS and the pages' own.
async fn style() -> Response {
    let css = format!("{}{}", crate::output::html::CSS, layout::CSS);
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], css).into_response()
}

/// The security headers of every page (and no caching of pages that show data).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A signed-in account, from its session cookie. A page that takes it sends a browser without a working session
/// to the sign-in page.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    /// Who.
    pub account: Account,
    /// The session's form token.
    pub csrf: String,
    /// The pages' language.
    pub lang: Lang,
}

impl Signed {
    /// The account as the API's caller, for its scope and role checks.
    pub fn caller(&self) -> Caller {
        Caller(self.account.clone())
    }

    /// 403 unless the account has one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), Page> {
        if roles.contains(&self.account.role) {
            Ok(())
        } else {
            Err(Page::refused(self.lang, K::ForbiddenRole))
        }
    }
}

/// The value of a cookie of the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The language the browser asks for.
fn browser_lang(headers: &HeaderMap) -> Lang {
    Lang::from_accept(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

impl FromRequestParts<Arc<App>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let lang = browser_lang(&parts.headers);
        let to_login = || see_other("/login");
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(to_login()) };
        let now = crate::store::format_time(chrono::Utc::now());
        let found = app.with_store(false, move |store| Ok(accounts::session(store, &id, &now)?)).await;
        match found {
            Ok(Some(state)) => {
                let lang = state.language.as_deref().and_then(Lang::parse).unwrap_or(lang);
                // The log line of the request names the account, as the API's do.
                if let Some(slot) = parts.extensions.get::<ActorSlot>() {
                    *slot.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(state.account.name.clone());
                }
                Ok(Signed { account: state.account, csrf: state.csrf, lang })
            }
            Ok(None) => Err(to_login()),
            Err(problem) => Err(Page::failed(lang, problem).into_response()),
        }
    }
}

/// Where the extractor leaves the signed-in account's name for the request's log line.
#[derive(Debug, Clone, Default)]
struct ActorSlot(Arc<std::sync::Mutex<Option<String>>>);

/// Names the signed-in account in the request's log line, as the API's lines do: the extractor fills a slot of
/// the request, this moves it to the response, where the log reads it.
async fn name_actor(mut request: Request, next: Next) -> Response {
    let slot = ActorSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let name = slot.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(name) = name {
        response.extensions_mut().insert(Actor(name));
    }
    response
}

/// 303 See Other to a path of the pages.
pub(crate) fn see_other(path: &str) -> Response {
    let location = HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A page that is not the one asked for: not found, refused, or failed; rendered as a page in the account's
/// language with its status.
#[derive(Debug)]
pub(crate) struct Page {
    status: StatusCode,
    lang: Lang,
    title: K,
    detail: String,
}

impl Page {
    /// 404: no such page, or not the account's to see (the same words for both).
    pub fn not_found(lang: Lang) -> Page {
        Page { status: StatusCode::NOT_FOUND, lang, title: K::NotFoundTitle, detail: lang.t(K::NotFoundText).into() }
    }

    /// 403 with a reason.
    pub fn refused(lang: Lang, why: K) -> Page {
        Page { status: StatusCode::FORBIDDEN, lang, title: K::ForbiddenTitle, detail: lang.t(why).into() }
    }

    /// A problem of the library, as a page: its status and its words.
    pub fn failed(lang: Lang, problem: Problem) -> Page {
        match problem.status {
            StatusCode::NOT_FOUND => Page::not_found(lang),
            StatusCode::FORBIDDEN => Page::refused(lang, K::ForbiddenRole),
            status => Page { status, lang, title: K::ErrorTitle, detail: problem.detail },
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let body = layout::bare(
            self.lang,
            self.lang.t(self.title),
            maud::html! {
                h1 { (self.lang.t(self.title)) }
                p { (self.detail) }
                p { a href="/" { (self.lang.t(K::BackHome)) } }
            },
        );
        (self.status, html(body)).into_response()
    }
}

/// A rendered page as an HTML response.
pub(crate) fn html(markup: maud::Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

/// Runs library work on the store as the page's account would through the API, turning problems into pages.
pub(crate) async fn read<T: Send + 'static>(
    app: &Arc<App>,
    signed: &Signed,
    work: impl FnOnce(&mut crate::store::Store) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Page> {
    app.with_store(false, work).await.map_err(|p| Page::failed(signed.lang, p))
}

/// Runs library work on the account's view of the store: now, under the policy in force, over the account's
/// firms (a recruiter's own), as the API reads for the same account.
pub(crate) async fn read_view<T: Send + 'static>(
    app: &Arc<App>,
    signed: &Signed,
    work: impl FnOnce(&crate::store::View) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Page> {
    let scope = signed.caller().scope();
    read(app, signed, move |store| work(&store.view(crate::store::Moment::Now, None)?.within(scope))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_browser_and_defaults_to_danish() {
        assert_eq!(Lang::from_accept(None), Lang::Da);
        assert_eq!(Lang::from_accept(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept(Some("en;q=0.5, da")), Lang::Da);
        assert_eq!(Lang::from_accept(Some("de-DE, fr")), Lang::Da);
    }

    #[test]
    fn a_cookie_is_read_by_its_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; pc_session=abc ; b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
