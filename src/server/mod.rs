//! `pledgecheck serve`: the HTTP API (axum on tokio) over the same database and the same library calls as the
//! CLI. Handlers parse a request into the structs the CLI fills from its flags, call `service`, `store` and
//! `import` on a blocking thread (SQLite never runs on the async workers), and write with `output`.
//!
//! Access control is in two places, both here and below: authentication and the role checks in this module
//! (one middleware, one `require`), and the firm scope passed into every read (`store::View::within`,
//! `service::evidence::history`) and write (`ImportOptions::only_firm`, `no_firm_rows`), so that a recruiter's
//! request never reads or writes another firm's rows whatever the handler does.

mod auth;
mod openapi;
mod problem;
mod routes;
mod stream;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;

pub use problem::Problem;

use crate::store::{Account, Mode, Role, Scope, Store};

/// How the server runs: `serve`'s flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port (the bound address is printed on standard error).
    pub listen: SocketAddr,
    /// The database (it must exist: `pledgecheck user add` creates it with the first account).
    pub db: PathBuf,
    /// The largest request body, in bytes (413 beyond).
    pub max_upload: usize,
    /// Failed authentications allowed per minute, per address and per account, before 429.
    pub rate_limit: u32,
    /// How long a request may take before 408.
    pub timeout: Duration,
    /// The key that signs each entry the server writes (`--key`); a signed chain refuses writes without it.
    pub key: Option<crate::signing::ChainKey>,
    /// Mark the session cookie of the web pages Secure (HTTPS only): behind a proxy that terminates TLS.
    pub secure_cookies: bool,
    /// Hours a web session lasts after sign-in.
    pub session_hours: u32,
}

/// Default `--session-hours`: a working day.
pub const DEFAULT_SESSION_HOURS: u32 = 8;

/// Default `--max-upload`: 64 MB.
pub const DEFAULT_MAX_UPLOAD: usize = 64 << 20;

/// Default `--rate-limit`: failures a minute.
pub const DEFAULT_RATE_LIMIT: u32 = 10;

/// What every request shares.
pub(crate) struct App {
    pool: Pool,
    limiter: Limiter,
    /// Permits to read: at most [`POOL_SIZE`] connections read at once (more would only share the same cores and
    /// each hold a page cache); further requests wait their turn.
    reads: Arc<tokio::sync::Semaphore>,
    /// Permits to write: SQLite takes one writer at a time; a second waits here rather than holding a connection.
    writes: Arc<tokio::sync::Semaphore>,
    /// Permits to stream a report: held until the client has read it all, so kept apart from the reads, which a
    /// few slow downloads must not hold up.
    streams: Arc<tokio::sync::Semaphore>,
    /// The session cookie's Secure attribute, and how long a session lasts.
    sessions: web::Sessions,
}

/// Reports streamed at once.
const STREAMS: usize = 4;

/// Writes that may wait for SQLite's write lock at once, each with its own connection.
const WRITERS: usize = 2;

/// The account a request acts for, put in the request by the authentication middleware.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Account);

impl Caller {
    /// The firms the account may read and write.
    pub fn scope(&self) -> Scope {
        match (&self.0.role, &self.0.firm) {
            (Role::Recruiter, Some(firm)) => Scope::Firm(firm.clone()),
            // A recruiter without a firm cannot be stored (schema/0005_accounts.sql); refuse all the same.
            (Role::Recruiter, None) => Scope::Firm(String::new()),
            _ => Scope::All,
        }
    }

    /// 403 unless the account has one of the roles.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), Problem> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(Problem::forbidden(self.0.role.as_str(), what))
        }
    }
}

/// Open connections kept for reuse; a request takes one (or opens one) on a blocking thread and gives it back.
struct Pool {
    db: PathBuf,
    idle: Mutex<Vec<Store>>,
    /// Signs what a writing connection seals.
    key: Option<crate::signing::ChainKey>,
}

/// How many idle connections are kept.
const POOL_SIZE: usize = 8;

/// The page cache of a connection kept for reading, in MB: SQLite's cache is per connection, and the operating
/// system's file cache serves the rest; with the store's default (24 MB, for imports) eight pooled connections
/// took the server to 320 MB under the load test.
const READ_CACHE_MIB: i64 = 4;

/// The page cache of a connection that writes, in MB: an upload is at most `--max-upload` (64 MB by default), far
/// from the millions of rows the store's 24 MB default is sized for.
const WRITE_CACHE_MIB: i64 = 8;

impl Pool {
    /// A connection for reading (from the pool, with a small cache), or a fresh one for writing (closed after
    /// the write).
    fn take(&self, writes: bool) -> Result<Store, Problem> {
        if writes {
            let mut store = Store::open_with_key(&self.db, Mode::Existing, self.key.clone())?;
            store.limit_cache(WRITE_CACHE_MIB)?;
            return Ok(store);
        }
        if let Some(store) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(store);
        }
        let mut store = Store::open(&self.db, Mode::Existing)?;
        store.limit_cache(READ_CACHE_MIB)?;
        Ok(store)
    }

    fn give(&self, store: Store) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < POOL_SIZE {
            idle.push(store);
        }
    }
}

impl App {
    /// Runs `work` with a connection on a blocking thread. After a write the connection is closed, not kept.
    pub(crate) async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        writes: bool,
        work: impl FnOnce(&mut Store) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let app = Arc::clone(self);
        let permit = self.permit(writes).await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut store = app.pool.take(writes)?;
            let done = work(&mut store);
            if !writes {
                app.pool.give(store);
            }
            done
        })
        .await
        .map_err(|e| Problem::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string()))?
    }
}

impl App {
    /// Waits for a turn to read or write.
    pub(crate) async fn permit(&self, writes: bool) -> Result<tokio::sync::OwnedSemaphorePermit, Problem> {
        self.permit_of(if writes { &self.writes } else { &self.reads }).await
    }

    /// Waits for a turn to stream a report.
    pub(crate) async fn stream_permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Problem> {
        self.permit_of(&self.streams).await
    }

    async fn permit_of(
        &self,
        permits: &Arc<tokio::sync::Semaphore>,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, Problem> {
        Arc::clone(permits)
            .acquire_owned()
            .await
            .map_err(|e| Problem::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "stopping", e.to_string()))
    }
}

/// Failed authentications per key (an address, an account) in the last minute.
struct Limiter {
    limit: u32,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Limiter {
    const WINDOW: Duration = Duration::from_secs(60);

    /// Whether the key has used up its failures.
    fn blocked(&self, key: &str) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get_mut(key) else { return false };
        times.retain(|t| t.elapsed() < Self::WINDOW);
        times.len() >= self.limit as usize
    }

    /// Counts a failure.
    fn fail(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::forget_stale(&mut failures);
        failures.entry(key.to_string()).or_default().push(Instant::now());
    }

    /// Bounded memory under a flood of addresses: forget the stale ones.
    fn forget_stale(failures: &mut HashMap<String, Vec<Instant>>) {
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| t.elapsed() < Self::WINDOW));
        }
    }

    /// Reserves a password check for every key at once, counted as a failure until [`Attempt::succeeded`]; `None`
    /// (429) if any key has used up its allowance. Checking and counting under one lock, before the password is
    /// checked, is what keeps concurrent logins to the limit: counting after the check let every request of a
    /// burst pass the check first.
    fn reserve(&self, keys: &[&str]) -> Option<Attempt<'_>> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let used_up = keys.iter().any(|key| {
            failures.get_mut(*key).is_some_and(|times| {
                times.retain(|t| t.elapsed() < Self::WINDOW);
                times.len() >= self.limit as usize
            })
        });
        if used_up {
            return None;
        }
        Self::forget_stale(&mut failures);
        let at = Instant::now();
        for key in keys {
            failures.entry((*key).to_string()).or_default().push(at);
        }
        Some(Attempt { limiter: self, keys: keys.iter().map(|k| (*k).to_string()).collect(), at })
    }
}

/// A password check reserved by [`Limiter::reserve`]: it stays counted as a failure unless it succeeded.
pub(crate) struct Attempt<'a> {
    limiter: &'a Limiter,
    keys: Vec<String>,
    at: Instant,
}

impl Attempt<'_> {
    /// The password was right: the reservation is given back, so that signing in uses none of the allowance.
    fn succeeded(self) {
        let mut failures = self.limiter.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(times) = failures.get_mut(key) {
                if let Some(i) = times.iter().position(|t| *t == self.at) {
                    times.swap_remove(i);
                }
            }
        }
    }
}

/// The account named in the log line of a request, put in the response by the authentication middleware.
#[derive(Debug, Clone)]
struct Actor(String);

/// One line per request on standard error: time, method, path, status, duration, account. Never the query (it
/// may hold filters) nor a header (a token) nor a body (candidate references, passwords).
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let account = response.extensions().get::<Actor>().map_or("-", |a| a.0.as_str()).to_string();
    eprintln!(
        "{} {method} {path} {} {:.1}ms account={account}",
        crate::store::format_time(chrono::Utc::now()),
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// `Cache-Control: no-store` on every answer under `/api/v1` (errors, 413 and 408 included): they hold firms'
/// data, tokens and explanations, which no browser or proxy cache should keep, as the pages already say.
async fn no_store(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/v1");
    let mut response = next.run(request).await;
    if api {
        let value = axum::http::HeaderValue::from_static("no-store");
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, value);
    }
    response
}

/// Authenticates a request by its bearer token, or answers 401 (429 after too many failures).
async fn authenticate(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let address = format!("address {}", peer.ip());
    let token = auth::bearer(request.headers());
    match auth::check(&app, &address, token).await {
        Ok(account) => {
            let name = account.name.clone();
            request.extensions_mut().insert(Caller(account));
            let mut response = next.run(request).await;
            response.extensions_mut().insert(Actor(name));
            response
        }
        Err(problem) => problem.into_response(),
    }
}

/// The application: every route, the limits and the logging.
fn router(app: Arc<App>, config: &Config) -> Router {
    use axum::extract::DefaultBodyLimit;
    use axum::middleware::{from_fn, from_fn_with_state};
    use tower_http::limit::RequestBodyLimitLayer;
    use tower_http::timeout::TimeoutLayer;
    let api = routes::api().route_layer(from_fn_with_state(Arc::clone(&app), authenticate));
    Router::new()
        .merge(api)
        .merge(web::pages())
        .route("/api/v1/openapi.json", axum::routing::get(openapi::document))
        .route("/api/v1/tokens", axum::routing::post(routes::login))
        .fallback(web::no_route)
        .method_not_allowed_fallback(routes::no_method)
        .layer(DefaultBodyLimit::max(config.max_upload))
        .layer(RequestBodyLimitLayer::new(config.max_upload))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, config.timeout))
        .layer(from_fn(no_store))
        .layer(from_fn(log_request))
        .with_state(app)
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in progress (and their writes) and returns.
pub fn serve(config: Config) -> anyhow::Result<()> {
    // Refuses a missing or newer database before listening, with the CLI's message; migrates an older one.
    drop(Store::open(&config.db, Mode::Existing)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let bound = listener.local_addr()?;
        eprintln!("pledgecheck serve: listening on http://{bound} (database {})", config.db.display());
        let app = Arc::new(App {
            pool: Pool { db: config.db.clone(), idle: Mutex::new(Vec::new()), key: config.key.clone() },
            limiter: Limiter { limit: config.rate_limit, failures: Mutex::new(HashMap::new()) },
            reads: Arc::new(tokio::sync::Semaphore::new(POOL_SIZE)),
            writes: Arc::new(tokio::sync::Semaphore::new(WRITERS)),
            streams: Arc::new(tokio::sync::Semaphore::new(STREAMS)),
            sessions: web::Sessions {
                secure: config.secure_cookies,
                hours: config.session_hours,
                login_key: rand::random(),
            },
        });
        let service = router(app, &config).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).with_graceful_shutdown(stopped()).await?;
        eprintln!("pledgecheck serve: stopped");
        anyhow::Ok(())
    })?;
    // Dropping the runtime waits for the blocking work still running (an import finishing its transaction).
    drop(runtime);
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(2);
    let on_ctrl_c = tx.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = on_ctrl_c.send(()).await;
        }
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            term.recv().await;
            let _ = tx.send(()).await;
        }
    });
    rx.recv().await;
    eprintln!("pledgecheck serve: stopping; finishing the requests in progress");
}
