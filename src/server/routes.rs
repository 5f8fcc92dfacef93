//! The routes of `/api/v1`: each parses its request into what the CLI's flags give (a `report::Filter`, a
//! `store::Moment`, `import::ImportOptions`), calls the library with the caller's firm scope, and writes the
//! answer with `output`, so that a report's bytes are the CLI's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

use super::{App, Caller, Problem};
use crate::import::{Encoding, ImportOptions, ImportOutcome, Input};
use crate::model::{Quarter, Verdict};
use crate::output::{self, Format};
use crate::report::{self, Filter};
use crate::service::{self, reports};
use crate::store::{Moment, Role, Store, View};

/// Every authenticated route.
pub(super) fn api() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/reports/{which}", get(report))
        .route("/api/v1/searches", get(searches).post(put_search))
        .route("/api/v1/searches/{firm}/{search_ref}", get(explain).patch(patch_search).delete(delete_search))
        .route("/api/v1/searches/{firm}/{search_ref}/exemption", axum::routing::delete(delete_exemption))
        .route("/api/v1/searches/{firm}/{search_ref}/candidates", axum::routing::put(put_candidate))
        .route("/api/v1/searches/{firm}/{search_ref}/candidates/remove", post(remove_candidate))
        .route("/api/v1/searches/{firm}/{search_ref}/history", get(history))
        .route("/api/v1/exemptions", post(put_exemption))
        .route("/api/v1/imports", post(imports))
        .route("/api/v1/check", post(check))
        .route("/api/v1/quarterly/{quarter}", get(quarterly))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/policy", get(policy_in_force).put(put_policy))
        .route("/api/v1/users", get(users).post(add_user))
        .route("/api/v1/users/{name}/disable", post(disable_user))
        .route("/api/v1/users/{name}/tokens", get(user_tokens).post(add_user_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
        .route("/api/v1/whatif", post(whatif))
}

/// 404 for any other path.
pub(super) async fn no_route() -> Problem {
    Problem::not_found("no such route (the API is described at /api/v1/openapi.json)")
}

/// A login: an account's name and password for a new token (`POST /api/v1/tokens`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct Login {
    /// The account's name.
    user: String,
    /// Its password.
    password: String,
    /// When the token stops working (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC); default: in 30 days.
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
pub(super) async fn login(
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
    let (address, account) = (format!("address {}", peer.ip()), format!("account {}", login.user.trim()));
    if app.limiter.blocked(&address) || app.limiter.blocked(&account) {
        return Err(Problem::too_many());
    }
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
        app.limiter.fail(&address);
        app.limiter.fail(&account);
        return Err(Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong user name or password"));
    };
    let value = json!({"schema_version": SCHEMA_VERSION, "id": id, "token": token, "expires_at": expires_at});
    Ok(json_response(StatusCode::OK, &value))
}

/// 405 for a route that exists with another method.
pub(super) async fn no_method() -> Problem {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", "this route does not take this method")
}

/// The version of every JSON answer's shape.
const SCHEMA_VERSION: u32 = output::json::SCHEMA_VERSION;

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut bytes = Vec::new();
    let _ = output::json::write(value, &mut bytes);
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// `true`/`false` (or absent) as a flag.
fn flag(raw: Option<&str>, name: &str) -> Result<bool, Problem> {
    match raw.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(Problem::bad_request(format!("{name}: found {other:?} (expected true or false)"))),
    }
}

fn quarter(raw: Option<&str>) -> Result<Option<Quarter>, Problem> {
    raw.map(|q| Quarter::parse(q).map_err(|e| Problem::bad_request(format!("quarter: {e}")))).transpose()
}

fn moment(as_of: Option<&str>) -> Result<Moment, Problem> {
    match as_of {
        None => Ok(Moment::Now),
        Some(raw) => {
            crate::store::parse_moment(raw).map(Moment::At).map_err(|e| Problem::bad_request(format!("as_of: {e}")))
        }
    }
}

/// The filter of a report or list, as the CLI's `--quarter` and `--firm` make it.
fn filter(quarter_raw: Option<&str>, firm: Option<&str>) -> Result<Filter, Problem> {
    Ok(Filter {
        quarter: quarter(quarter_raw)?.map(|q| q.to_string()),
        firm: firm.map(|f| f.trim().to_string()).filter(|f| !f.is_empty()),
    })
}

/// Filters of a report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ReportQuery {
    /// `csv` (default) or `json`.
    format: Option<String>,
    /// Only searches of this quarter, such as 2026-Q3.
    quarter: Option<String>,
    /// Only this firm.
    firm: Option<String>,
    /// The report as it was at this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC).
    as_of: Option<String>,
    /// `true`: CSV for Danish spreadsheets (byte-order mark, `;`, decimal commas, CRLF, formula guard).
    excel: Option<String>,
}

/// A report: the same bytes as `pledgecheck report WHICH --format F` on the same data, over the caller's firms.
#[utoipa::path(get, path = "/api/v1/reports/{which}", tag = "reports",
    params(("which" = String, Path, description = "searches, firms, quarters or outcomes"), ReportQuery),
    responses((status = 200, description = "the report as CSV (text/csv) or JSON"),
              (status = 400, description = "a parameter that does not read"),
              (status = 404, description = "no such report")),
    security(("bearer" = [])))]
pub(super) async fn report(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(which): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, Problem> {
    let which = match which.as_str() {
        "searches" => reports::Which::Searches,
        "firms" => reports::Which::Firms,
        "quarters" => reports::Which::Quarters,
        "outcomes" => reports::Which::Outcomes,
        other => {
            return Err(Problem::not_found(format!(
                "no report {other:?} (expected searches, firms, quarters or outcomes)"
            )))
        }
    };
    let excel = flag(q.excel.as_deref(), "excel")?;
    let format = match (q.format.as_deref().map(str::trim), excel) {
        (None | Some("csv"), _) => Format::Csv,
        (Some("json"), false) => Format::Json,
        (Some("json"), true) => return Err(Problem::bad_request("excel=true shapes CSV; use it with format=csv")),
        (Some(other), _) => {
            return Err(Problem::bad_request(format!("format: found {other:?} (expected csv or json)")))
        }
    };
    let filter = filter(q.quarter.as_deref(), q.firm.as_deref())?;
    let moment = moment(q.as_of.as_deref())?;
    let scope = caller.scope();
    let content_type = if format == Format::Json { "application/json" } else { "text/csv; charset=utf-8" };
    app.stream(content_type, move |store, out| {
        let view = store.view(moment, None)?.within(scope);
        write_report(&view, which, &filter, format, excel, out)
    })
    .await
}

/// Writes a report as `pledgecheck report` does (searches as CSV streamed row by row, the rest as a table).
fn write_report(
    view: &View,
    which: reports::Which,
    filter: &Filter,
    format: Format,
    excel: bool,
    out: &mut dyn std::io::Write,
) -> Result<(), Problem> {
    let failed = |e: std::io::Error| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string());
    if which == reports::Which::Searches && format == Format::Csv {
        let mut csv = output::csv::RowWriter::new(&report::SEARCH_COLUMNS, excel, out).map_err(failed)?;
        reports::each_search_row(view, filter, |row| csv.row(&report::search_row(row)))?;
        return csv.finish().map_err(failed);
    }
    let table = reports::table(view, which, filter)?;
    output::write(&table, format, excel, None, out).map_err(failed)
}

/// Filters and page of the list of searches.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchesQuery {
    /// Only this firm.
    firm: Option<String>,
    /// Only searches of this quarter, such as 2026-Q3.
    quarter: Option<String>,
    /// Only searches with this verdict (compliant, non-compliant, exempt, incomplete, pending, not-applicable).
    verdict: Option<String>,
    /// The searches as they were at this time.
    as_of: Option<String>,
    /// The page, from 1 (default 1).
    page: Option<String>,
    /// Searches per page, 1 to 1000 (default 100).
    per_page: Option<String>,
}

fn number(raw: Option<&str>, name: &str, default: usize, max: usize) -> Result<usize, Problem> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(Problem::bad_request(format!("{name}: found {raw:?} (expected a whole number from 1 to {max})"))),
    }
}

/// The searches with their verdicts, in report order (by firm and reference), a page at a time.
#[utoipa::path(get, path = "/api/v1/searches", tag = "searches", params(SearchesQuery),
    responses((status = 200, description = "`{schema_version, page, per_page, total, rows}`; rows as in `report searches --format json`"),
              (status = 400, description = "a parameter that does not read")),
    security(("bearer" = [])))]
pub(super) async fn searches(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SearchesQuery>,
) -> Result<Response, Problem> {
    let filter = filter(q.quarter.as_deref(), q.firm.as_deref())?;
    let only: Vec<Verdict> = match q.verdict.as_deref() {
        None => Vec::new(),
        Some(raw) => vec![Verdict::parse(raw).ok_or_else(|| {
            let words: Vec<_> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
            Problem::bad_request(format!("unknown verdict {raw:?} (expected {})", words.join(", ")))
        })?],
    };
    let page = number(q.page.as_deref(), "page", 1, usize::MAX)?;
    let per_page = number(q.per_page.as_deref(), "per_page", 100, 1000)?;
    let moment = moment(q.as_of.as_deref())?;
    let scope = caller.scope();
    let (total, rows) = app
        .with_store(false, move |store| {
            let view = store.view(moment, None)?.within(scope);
            let skip = (page - 1).saturating_mul(per_page);
            let (total, rows) =
                view.page_of_verdicts(filter.firm.as_deref(), filter.quarter.as_deref(), &only, skip, per_page)?;
            Ok((total, rows))
        })
        .await?;
    let table = report::searches(&rows, &Filter::default());
    let value = json!({"schema_version": SCHEMA_VERSION, "page": page, "per_page": per_page, "total": total,
                       "rows": output::json::rows(&table)});
    Ok(json_response(StatusCode::OK, &value))
}

/// A moment to read at.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AsOfQuery {
    /// The search as it was at this time.
    as_of: Option<String>,
}

fn no_search(firm: &str, search_ref: &str) -> Problem {
    Problem::not_found(format!("no search {:?} of firm {:?}", search_ref.trim(), firm.trim()))
}

/// One search's verdict explained: every scope condition and rule with its fact, each candidate's part, and what
/// would make it pass (`pledgecheck explain FIRM REF --format json`).
#[utoipa::path(get, path = "/api/v1/searches/{firm}/{search_ref}", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path), AsOfQuery),
    responses((status = 200, description = "the explanation"), (status = 404, description = "no such search (or not the caller's firm's)")),
    security(("bearer" = [])))]
pub(super) async fn explain(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, Problem> {
    let moment = moment(q.as_of.as_deref())?;
    let scope = caller.scope();
    let value = app
        .with_store(false, move |store| {
            let view = store.view(moment, None)?.within(scope);
            match service::explain::explain(&view, &firm, &search_ref)? {
                Some((case, explanation)) => Ok(service::explain::to_json(&case, &explanation)),
                None => Err(no_search(&firm, &search_ref)),
            }
        })
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// What changed in one search, when, by whom and from which file (`pledgecheck history FIRM REF --format json`).
#[utoipa::path(get, path = "/api/v1/searches/{firm}/{search_ref}/history", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    responses((status = 200, description = "`{schema_version, changes}`"), (status = 404, description = "no such search (or not the caller's firm's)")),
    security(("bearer" = [])))]
pub(super) async fn history(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let scope = caller.scope();
    let value = app
        .with_store(false, move |store| {
            match service::evidence::history(store, &scope, Some(&firm), Some(&search_ref))? {
                Some(changes) if !changes.is_empty() => Ok(service::evidence::history_json(&changes)),
                _ => Err(no_search(&firm, &search_ref)),
            }
        })
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// How an upload is taken.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ImportQuery {
    /// `true`: validate and judge, write nothing.
    dry_run: Option<String>,
    /// `utf-8` (default) or `windows-1252`.
    encoding: Option<String>,
}

fn encoding(raw: Option<&str>) -> Result<Encoding, Problem> {
    match raw.map(|e| e.trim().to_lowercase()).as_deref() {
        None | Some("utf-8" | "utf8") => Ok(Encoding::Utf8),
        Some("windows-1252" | "cp1252") => Ok(Encoding::Windows1252),
        Some(other) => Err(Problem::bad_request(format!("encoding: found {other:?} (expected utf-8 or windows-1252)"))),
    }
}

/// The files of a `multipart/form-data` body, each under its file name.
async fn files(mut multipart: Multipart) -> Result<Vec<Input>, Problem> {
    let mut files = Vec::new();
    let failed = |e: axum::extract::multipart::MultipartError| {
        Problem::new(e.status(), "the upload could not be read", e.body_text())
    };
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        let Some(name) = field.file_name().or(field.name()).map(str::to_string) else {
            return Err(Problem::bad_request("every part of the upload needs a file name"));
        };
        let bytes = field.bytes().await.map_err(failed)?;
        files.push(Input { name, bytes: bytes.to_vec() });
    }
    if files.is_empty() {
        return Err(Problem::bad_request("no files in the upload (send them as multipart/form-data)"));
    }
    Ok(files)
}

/// What a caller may import: a recruiter only their firm's searches and exemptions, never firm rows.
fn options_for(caller: &Caller) -> (Option<String>, bool) {
    match caller.0.role {
        Role::Recruiter => (caller.scope().firm().map(str::to_string), true),
        _ => (None, false),
    }
}

fn outcome_json(outcome: &ImportOutcome, dry_run: bool) -> Value {
    let judged = report::searches(&outcome.judged, &Filter::default());
    json!({
        "schema_version": SCHEMA_VERSION,
        "dry_run": dry_run,
        "summary": outcome.summary(),
        "firms": outcome.firms,
        "searches": outcome.searches,
        "exemptions": outcome.exemptions,
        "at": outcome.at,
        "judged": output::json::rows(&judged),
    })
}

/// Runs an import of uploaded files as the caller.
async fn run_import(
    app: &Arc<App>,
    caller: &Caller,
    files: Vec<Input>,
    encoding: Encoding,
    dry_run: bool,
    explain: bool,
    command: String,
) -> Result<ImportOutcome, Problem> {
    let (only_firm, no_firm_rows) = options_for(caller);
    let actor = caller.0.name.clone();
    app.with_store(!dry_run, move |store: &mut Store| {
        let options = ImportOptions {
            dry_run,
            only_firm: only_firm.as_deref(),
            no_firm_rows,
            explain,
            ..ImportOptions::default()
        };
        Ok(crate::import::import_files(store, &files, encoding, &actor, &command, options)?)
    })
    .await
}

/// Uploads files (firms, shortlists, exemptions as CSV, or JSON) in one transaction, as `pledgecheck import`:
/// the summary, or 422 with every error and nothing written.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "one part per file, each with its file name"),
    responses((status = 200, description = "what was read and changed"),
              (status = 403, description = "an auditor writes nothing"),
              (status = 413, description = "the body is larger than --max-upload"),
              (status = 422, description = "errors in the files (file, line, column, found, expected); nothing written")),
    security(("bearer" = [])))]
pub(super) async fn imports(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ImportQuery>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let dry_run = flag(q.dry_run.as_deref(), "dry_run")?;
    if !dry_run {
        caller.require(&[Role::Recruiter, Role::Admin], "import")?;
    }
    let encoding = encoding(q.encoding.as_deref())?;
    let files = files(multipart).await?;
    let command = format!("api POST /api/v1/imports{}", if dry_run { "?dry_run=true" } else { "" });
    let outcome = run_import(&app, &caller, files, encoding, dry_run, false, command).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, dry_run)))
}

/// The pre-send check: files in, each search's verdict with its explanation out; nothing is stored.
#[utoipa::path(post, path = "/api/v1/check", tag = "imports", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "one part per file, each with its file name"),
    responses((status = 200, description = "`{schema_version, summary, searches}`: each search's explanation"),
              (status = 422, description = "errors in the files")),
    security(("bearer" = [])))]
pub(super) async fn check(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ImportQuery>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let encoding = encoding(q.encoding.as_deref())?;
    let files = files(multipart).await?;
    let outcome = run_import(&app, &caller, files, encoding, true, true, "api POST /api/v1/check".into()).await?;
    let searches: Vec<Value> =
        outcome.explained.iter().map(|(case, explanation)| service::explain::to_json(case, explanation)).collect();
    let value = json!({"schema_version": SCHEMA_VERSION, "dry_run": true, "summary": outcome.summary(),
                       "searches": searches});
    Ok(json_response(StatusCode::OK, &value))
}

/// A request body as JSON (400, in problem+json, when it is not).
fn json_body(body: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))
}

/// Logs one search with its candidates, given in the JSON input format (one element of `searches`): it replaces
/// the stored search as a whole, as a shortlists file does.
#[utoipa::path(post, path = "/api/v1/searches", tag = "searches",
    request_body(content_type = "application/json", description = "a search with its `candidates`, as in the JSON input format"),
    responses((status = 200, description = "what changed"),
              (status = 403, description = "an auditor writes nothing"),
              (status = 422, description = "errors in the search")),
    security(("bearer" = [])))]
pub(super) async fn put_search(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Recruiter, Role::Admin], "log searches")?;
    let search = json_body(&body)?;
    let body = serde_json::to_vec(&json!({"searches": [search]}))
        .map_err(|e| Problem::bad_request(format!("the search does not read: {e}")))?;
    let files = vec![Input { name: "request.json".into(), bytes: body }];
    let outcome =
        run_import(&app, &caller, files, Encoding::Utf8, false, false, "api POST /api/v1/searches".into()).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, false)))
}

/// Records a search's exemption, given as one element of `exemptions` in the JSON input format (`firm`,
/// `search_ref`, `reason`, `note`): it replaces the search's exemption, as an exemptions file does.
#[utoipa::path(post, path = "/api/v1/exemptions", tag = "searches",
    request_body(content_type = "application/json", description = "`{firm, search_ref, reason, note}`"),
    responses((status = 200, description = "what changed"),
              (status = 403, description = "an auditor writes nothing"),
              (status = 422, description = "errors in the exemption, or no such search")),
    security(("bearer" = [])))]
pub(super) async fn put_exemption(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Recruiter, Role::Admin], "record exemptions")?;
    let exemption = json_body(&body)?;
    let body = serde_json::to_vec(&json!({"exemptions": [exemption]}))
        .map_err(|e| Problem::bad_request(format!("the exemption does not read: {e}")))?;
    let files = vec![Input { name: "request.json".into(), bytes: body }];
    let outcome =
        run_import(&app, &caller, files, Encoding::Utf8, false, false, "api POST /api/v1/exemptions".into()).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, false)))
}

/// Shape of the pack.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PackQuery {
    /// `true`: the CSV files shaped for Danish spreadsheets.
    excel: Option<String>,
}

/// A quarter's pack (summary, firms, searches, failing, exemptions, outcomes) as a zip of the files
/// `pledgecheck quarterly QUARTER` writes.
#[utoipa::path(get, path = "/api/v1/quarterly/{quarter}", tag = "reports",
    params(("quarter" = String, Path, description = "such as 2026-Q3"), PackQuery),
    responses((status = 200, description = "application/zip"), (status = 403, description = "auditors and admins only")),
    security(("bearer" = [])))]
pub(super) async fn quarterly(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    Query(q): Query<PackQuery>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Auditor, Role::Admin], "read the quarterly pack of every firm")?;
    let quarter = quarter(Some(&raw))?.expect("a quarter was given");
    let excel = flag(q.excel.as_deref(), "excel")?;
    let bytes = app
        .with_store(false, move |store| {
            let (_, tables) = reports::pack(store, quarter)?;
            zip_of(&tables, excel)
                .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string()))
        })
        .await?;
    let disposition = format!("attachment; filename=\"pledgecheck-{quarter}.zip\"");
    Ok(([(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The pack's files in a zip, stored uncompressed with fixed times: the same database gives the same bytes.
fn zip_of(tables: &[(String, report::Table)], excel: bool) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, table) in tables {
        let mut bytes = Vec::new();
        output::csv::write(table, excel, &mut bytes)?;
        zip.start_file(name.as_str(), options).map_err(std::io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// What the audit compares against.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditQuery {
    /// A chain hash noted earlier, which must still be an entry of the chain.
    expect: Option<String>,
}

/// The hash chain's head and a verification of every entry and stored row (`pledgecheck audit verify --format
/// json`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "evidence", params(AuditQuery),
    responses((status = 200, description = "`{schema_version, intact, entries, head, ...}`"),
              (status = 403, description = "auditors and admins only")),
    security(("bearer" = [])))]
pub(super) async fn audit(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Auditor, Role::Admin], "verify the evidence of every firm")?;
    let value = app
        .with_store(false, move |store| Ok(service::evidence::verify(store, q.expect.as_deref().map(str::trim))?.0))
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// The policy a request body holds (TOML), or 422 with every problem, as `policy check` words them.
fn policy_of(body: &[u8], name: &str) -> Result<(String, crate::policy::Policy), Problem> {
    let text = std::str::from_utf8(body).map_err(|_| Problem::bad_request("the policy is not UTF-8"))?.to_string();
    match crate::policy::Policy::parse(&text) {
        Ok(policy) => Ok((text, policy)),
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("{name}: {e}")).collect();
            let mut problem = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid policy",
                format!("invalid policy {name} ({} problems):\n{}", errors.len(), lines.join("\n")),
            );
            problem.errors = Some(json!({"shown": lines, "total": errors.len()}));
            Err(problem)
        }
    }
}

/// How a policy in a request body is named.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PolicyQuery {
    /// The policy's name, as a file name would give it (default `api-policy.toml`).
    name: Option<String>,
    /// For whatif: only searches of this quarter.
    quarter: Option<String>,
    /// For whatif: only this firm.
    firm: Option<String>,
}

/// The policy in force: its name, SHA-256, when it came into force, and the policy in words (`policy show`).
#[utoipa::path(get, path = "/api/v1/policy", tag = "policy",
    responses((status = 200, description = "`{schema_version, name, sha256, in_force_from, described}`")),
    security(("bearer" = [])))]
pub(super) async fn policy_in_force(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    let value = app
        .with_store(false, |store| {
            let judging = store.view(Moment::Now, None)?.judging().clone();
            let words = crate::policy::describe(&judging.policy, None).unwrap_or_default();
            Ok(json!({"schema_version": SCHEMA_VERSION, "name": judging.name, "sha256": judging.policy.sha256,
                      "in_force_from": judging.in_force_from, "described": words}))
        })
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// Puts a policy (TOML in the body) in force, as `pledgecheck policy use FILE`: every stored verdict recomputed.
#[utoipa::path(put, path = "/api/v1/policy", tag = "policy", params(PolicyQuery),
    request_body(content_type = "application/toml", description = "the policy file"),
    responses((status = 200, description = "`{at, judged, changed}`"), (status = 403, description = "admins only"),
              (status = 422, description = "an invalid policy, every problem named")),
    security(("bearer" = [])))]
pub(super) async fn put_policy(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PolicyQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin], "put a policy in force")?;
    let name = q.name.unwrap_or_else(|| "api-policy.toml".into());
    let (text, policy) = policy_of(&body, &name)?;
    let actor = caller.0.name.clone();
    let value = app
        .with_store(true, move |store| {
            let change = store.use_policy(&name, &text, &policy, &actor, "api PUT /api/v1/policy")?;
            Ok(json!({"schema_version": SCHEMA_VERSION, "name": name, "sha256": policy.sha256, "at": change.at,
                      "judged": change.judged, "changed": change.changed}))
        })
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// Every stored search judged under another policy (TOML in the body), as `pledgecheck whatif --format json`:
/// the searches that would change verdict and each firm's rate before and after; nothing stored.
#[utoipa::path(post, path = "/api/v1/whatif", tag = "policy", params(PolicyQuery),
    request_body(content_type = "application/toml", description = "the other policy"),
    responses((status = 200, description = "`{schema_version, policy, policy_sha256, changes, firms}`"),
              (status = 403, description = "auditors and admins only"), (status = 422, description = "an invalid policy")),
    security(("bearer" = [])))]
pub(super) async fn whatif(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PolicyQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Auditor, Role::Admin], "compare policies over every firm")?;
    let name = q.name.unwrap_or_else(|| "api-policy.toml".into());
    let (_, policy) = policy_of(&body, &name)?;
    let filter = filter(q.quarter.as_deref(), q.firm.as_deref())?;
    let value = app
        .with_store(false, move |store| {
            let (changes, rates) = service::whatif::compare(store, &policy, &filter)?;
            Ok(json!({"schema_version": SCHEMA_VERSION, "policy": name, "policy_sha256": policy.sha256,
                      "changes": output::json::rows(&changes), "firms": output::json::rows(&rates)}))
        })
        .await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// A change by hand to one stored search of the caller's firms: read back, changed, imported again as a whole.
async fn change_search(
    app: &Arc<App>,
    caller: &Caller,
    firm: String,
    search_ref: String,
    change: service::by_hand::Change,
    command: &str,
) -> Result<Response, Problem> {
    caller.require(&[Role::Recruiter, Role::Admin], "change searches")?;
    let scope = caller.scope();
    let record = app
        .with_store(false, move |store| {
            let view = store.view(Moment::Now, None)?.within(scope);
            match view.dossier(firm.trim(), search_ref.trim())? {
                Some(case) => Ok(service::by_hand::search_record(&case)),
                None => Err(no_search(&firm, &search_ref)),
            }
        })
        .await?;
    let mut record = record;
    if !service::by_hand::apply(&mut record, change) {
        return Err(Problem::not_found("no such candidate on the search"));
    }
    let body = serde_json::to_vec(&json!({"searches": [record]}))
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string()))?;
    let files = vec![Input { name: "request.json".into(), bytes: body }];
    let outcome = run_import(app, caller, files, Encoding::Utf8, false, false, command.to_string()).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, false)))
}

fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Problem> {
    match json_body(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(Problem::bad_request("the body is not a JSON object")),
    }
}

/// Changes a stored search's fields (such as `{"cancelled_on": "2026-05-01"}` or `{"shortlist_on": null}`); its
/// candidates and exemption stay. Validated and recorded as an import of the whole search.
#[utoipa::path(patch, path = "/api/v1/searches/{firm}/{search_ref}", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    request_body(content_type = "application/json", description = "the fields to set, as in the JSON input format; null clears"),
    responses((status = 200, description = "what changed"), (status = 404, description = "no such search (or not the caller's firm's)"),
              (status = 422, description = "the changed search does not validate")),
    security(("bearer" = [])))]
pub(super) async fn patch_search(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    let fields = object(&body)?;
    let change = service::by_hand::Change::SetFields(fields);
    change_search(&app, &caller, firm, search_ref, change, "api PATCH /api/v1/searches/{firm}/{search_ref}").await
}

/// Adds a candidate to a stored search, or replaces the one with the same `candidate_ref` (given in the body,
/// never in the path).
#[utoipa::path(put, path = "/api/v1/searches/{firm}/{search_ref}/candidates", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    request_body(content_type = "application/json", description = "a candidate as in the JSON input format"),
    responses((status = 200, description = "what changed"), (status = 404, description = "no such search (or not the caller's firm's)"),
              (status = 422, description = "the candidate does not validate")),
    security(("bearer" = [])))]
pub(super) async fn put_candidate(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    let candidate = object(&body)?;
    let change = service::by_hand::Change::PutCandidate(candidate);
    change_search(&app, &caller, firm, search_ref, change, "api PUT /api/v1/searches/{firm}/{search_ref}/candidates")
        .await
}

/// Removes a candidate from a stored search; the body names it (`{"candidate_ref": "c1"}`), so that the reference
/// never reaches a path or a log.
#[utoipa::path(post, path = "/api/v1/searches/{firm}/{search_ref}/candidates/remove", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    request_body(content_type = "application/json", description = "`{\"candidate_ref\": \"c1\"}`"),
    responses((status = 200, description = "what changed"), (status = 404, description = "no such search or candidate")),
    security(("bearer" = [])))]
pub(super) async fn remove_candidate(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    let named = object(&body)?;
    let Some(candidate_ref) = named.get("candidate_ref").and_then(Value::as_str) else {
        return Err(Problem::bad_request("the body names no candidate_ref"));
    };
    let change = service::by_hand::Change::RemoveCandidate(candidate_ref.to_string());
    let command = "api POST /api/v1/searches/{firm}/{search_ref}/candidates/remove";
    change_search(&app, &caller, firm, search_ref, change, command).await
}

/// Runs a removal as the caller, within their firms.
async fn removal(
    app: &Arc<App>,
    caller: &Caller,
    firm: String,
    search_ref: String,
    exemption: bool,
    command: &'static str,
) -> Result<Response, Problem> {
    use service::by_hand::{self, Removed};
    caller.require(&[Role::Recruiter, Role::Admin], "remove searches or exemptions")?;
    let (scope, actor) = (caller.scope(), caller.0.name.clone());
    let (f, r) = (firm.clone(), search_ref.clone());
    let removed = app
        .with_store(true, move |store| {
            Ok(match exemption {
                true => by_hand::remove_exemption(store, &scope, &f, &r, &actor, command)?,
                false => by_hand::remove_search(store, &scope, &f, &r, &actor, command)?,
            })
        })
        .await?;
    match removed {
        Removed::Done => {
            let what = if exemption { "exemption removed" } else { "search removed" };
            Ok(json_response(
                StatusCode::OK,
                &json!({"schema_version": SCHEMA_VERSION, "firm": firm.trim(),
                "search_ref": search_ref.trim(), "summary": what}),
            ))
        }
        Removed::NoSearch => Err(no_search(&firm, &search_ref)),
        Removed::NoExemption => Err(Problem::not_found(format!(
            "search {:?} of firm {:?} has no exemption",
            search_ref.trim(),
            firm.trim()
        ))),
    }
}

/// Removes a search (`pledgecheck search remove`): its rows are closed and kept in history.
#[utoipa::path(delete, path = "/api/v1/searches/{firm}/{search_ref}", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    responses((status = 200, description = "removed"), (status = 404, description = "no such search (or not the caller's firm's)")),
    security(("bearer" = [])))]
pub(super) async fn delete_search(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Problem> {
    removal(&app, &caller, firm, search_ref, false, "api DELETE /api/v1/searches/{firm}/{search_ref}").await
}

/// Removes a search's exemption (`pledgecheck exemption remove`) and judges the search again.
#[utoipa::path(delete, path = "/api/v1/searches/{firm}/{search_ref}/exemption", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    responses((status = 200, description = "removed"), (status = 404, description = "no such search or exemption")),
    security(("bearer" = [])))]
pub(super) async fn delete_exemption(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Problem> {
    removal(&app, &caller, firm, search_ref, true, "api DELETE /api/v1/searches/{firm}/{search_ref}/exemption").await
}

/// A new account (`pledgecheck user add`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct NewUser {
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
pub(super) async fn users(
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
pub(super) async fn add_user(
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
pub(super) async fn disable_user(
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
pub(super) async fn user_tokens(
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
pub(super) struct ExpiresQuery {
    /// RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC; default: never.
    expires: Option<String>,
}

/// Makes a token for an account (`pledgecheck token add --user NAME`); the token is in the answer, once.
#[utoipa::path(post, path = "/api/v1/users/{name}/tokens", tag = "accounts", params(("name" = String, Path), ExpiresQuery),
    responses((status = 200, description = "`{schema_version, id, token, expires_at}`"), (status = 403, description = "admins only")),
    security(("bearer" = [])))]
pub(super) async fn add_user_token(
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
pub(super) async fn revoke_token(
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
