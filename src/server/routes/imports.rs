//! Uploads: imports and the pre-send check, run as the caller with `ImportOptions` that keep a recruiter to their
//! firm.

use std::sync::Arc;

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

use super::*;

/// How an upload is taken.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct ImportQuery {
    /// `true`: validate and judge, write nothing; the summary lists what would change, search by search.
    dry_run: Option<String>,
    /// `true`: add or update the files' candidates of stored searches, never remove one (`import --merge`).
    merge: Option<String>,
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
        Problem::new(
            crate::server::problem::upload_status(&e),
            "the upload could not be read",
            crate::server::problem::upload_detail(&e),
        )
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

pub(in crate::server) fn outcome_json(outcome: &ImportOutcome, dry_run: bool) -> Value {
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
        "diff": outcome.diff,
    })
}

/// How an upload is imported.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::server) struct Upload {
    /// Validate and judge, write nothing.
    pub dry_run: bool,
    /// Explain each of the files' searches (the pre-send check).
    pub explain: bool,
    /// Add or update candidates, never remove one.
    pub merge: bool,
    /// Project the files' pending searches as if their shortlist went out on this date (the web's pre-send check).
    pub send_on: Option<chrono::NaiveDate>,
    /// The language of the explanations (the web page's; the API's are English).
    pub lang: crate::model::Lang,
}

/// Runs an import of uploaded files as the caller.
pub(in crate::server) async fn run_import(
    app: &Arc<App>,
    caller: &Caller,
    files: Vec<Input>,
    encoding: Encoding,
    how: Upload,
    command: String,
) -> Result<ImportOutcome, Problem> {
    let Upload { dry_run, explain, merge, send_on, lang } = how;
    let (only_firm, no_firm_rows) = options_for(caller);
    let actor = caller.0.name.clone();
    app.with_store(!dry_run, move |store: &mut Store| {
        let options = ImportOptions {
            dry_run,
            only_firm: only_firm.as_deref(),
            no_firm_rows,
            explain,
            merge,
            send_on,
            lang,
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
pub(in crate::server) async fn imports(
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
    let merge = flag(q.merge.as_deref(), "merge")?;
    let flags: Vec<&str> = [("dry_run=true", dry_run), ("merge=true", merge)]
        .into_iter()
        .filter_map(|(flag, on)| on.then_some(flag))
        .collect();
    let query = if flags.is_empty() { String::new() } else { format!("?{}", flags.join("&")) };
    let command = format!("api POST /api/v1/imports{query}");
    let outcome =
        run_import(&app, &caller, files, encoding, Upload { dry_run, merge, ..Upload::default() }, command).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, dry_run)))
}

/// The pre-send check: files in, each search's verdict with its explanation out; nothing is stored.
#[utoipa::path(post, path = "/api/v1/check", tag = "imports", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "one part per file, each with its file name"),
    responses((status = 200, description = "`{schema_version, summary, searches}`: each search's explanation"),
              (status = 422, description = "errors in the files")),
    security(("bearer" = [])))]
pub(in crate::server) async fn check(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ImportQuery>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let encoding = encoding(q.encoding.as_deref())?;
    let files = files(multipart).await?;
    let outcome = run_import(
        &app,
        &caller,
        files,
        encoding,
        Upload { dry_run: true, explain: true, ..Upload::default() },
        "api POST /api/v1/check".into(),
    )
    .await?;
    let searches: Vec<Value> =
        outcome.explained.iter().map(|(case, explanation)| service::explain::to_json(case, explanation)).collect();
    let value = json!({"schema_version": SCHEMA_VERSION, "dry_run": true, "summary": outcome.summary(),
                       "searches": searches});
    Ok(json_response(StatusCode::OK, &value))
}
