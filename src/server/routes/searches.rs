//! Searches: pages of verdicts, one explained, its history, and the changes by hand (a search, a candidate,
//! an exemption, a removal), each read and written within the caller's firms.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

use super::*;

/// Filters and page of the list of searches.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct SearchesQuery {
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

/// The searches with their verdicts, in report order (by firm and reference), a page at a time.
#[utoipa::path(get, path = "/api/v1/searches", tag = "searches", params(SearchesQuery),
    responses((status = 200, description = "`{schema_version, page, per_page, total, rows}`; rows as in `report searches --format json`"),
              (status = 400, description = "a parameter that does not read")),
    security(("bearer" = [])))]
pub(in crate::server) async fn searches(
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
pub(in crate::server) struct AsOfQuery {
    /// The search as it was at this time.
    as_of: Option<String>,
}

/// One search's verdict explained: every scope condition and rule with its fact, each candidate's part, and what
/// would make it pass (`pledgecheck explain FIRM REF --format json`).
#[utoipa::path(get, path = "/api/v1/searches/{firm}/{search_ref}", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path), AsOfQuery),
    responses((status = 200, description = "the explanation"), (status = 404, description = "no such search (or not the caller's firm's)")),
    security(("bearer" = [])))]
pub(in crate::server) async fn explain(
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
pub(in crate::server) async fn history(
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

/// Logs one search with its candidates, given in the JSON input format (one element of `searches`): it replaces
/// the stored search as a whole, as a shortlists file does.
#[utoipa::path(post, path = "/api/v1/searches", tag = "searches",
    request_body(content_type = "application/json", description = "a search with its `candidates`, as in the JSON input format"),
    responses((status = 200, description = "what changed"),
              (status = 403, description = "an auditor writes nothing"),
              (status = 422, description = "errors in the search")),
    security(("bearer" = [])))]
pub(in crate::server) async fn put_search(
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
        run_import(&app, &caller, files, Encoding::Utf8, Upload::default(), "api POST /api/v1/searches".into()).await?;
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
pub(in crate::server) async fn put_exemption(
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
        run_import(&app, &caller, files, Encoding::Utf8, Upload::default(), "api POST /api/v1/exemptions".into())
            .await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, false)))
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
    let outcome = run_import(app, caller, files, Encoding::Utf8, Upload::default(), command.to_string()).await?;
    Ok(json_response(StatusCode::OK, &outcome_json(&outcome, false)))
}

/// Changes a stored search's fields (such as `{"cancelled_on": "2026-05-01"}` or `{"shortlist_on": null}`); its
/// candidates and exemption stay. Validated and recorded as an import of the whole search.
#[utoipa::path(patch, path = "/api/v1/searches/{firm}/{search_ref}", tag = "searches",
    params(("firm" = String, Path), ("search_ref" = String, Path)),
    request_body(content_type = "application/json", description = "the fields to set, as in the JSON input format; null clears"),
    responses((status = 200, description = "what changed"), (status = 404, description = "no such search (or not the caller's firm's)"),
              (status = 422, description = "the changed search does not validate")),
    security(("bearer" = [])))]
pub(in crate::server) async fn patch_search(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(&[Role::Recruiter, Role::Admin], "change searches")?;
    let fields = object(&body)?;
    // The search is the path's: a body's firm or search_ref would otherwise be dropped without a word (a caller
    // meaning to move or rename a search would think it done), while any other unknown field is refused.
    if let Some(name) = ["firm", "search_ref", "candidates"].into_iter().find(|n| fields.contains_key(*n)) {
        let detail = if name == "candidates" {
            "candidates: a PATCH sets the search's own fields; candidates are changed through              /api/v1/searches/{firm}/{search_ref}/candidates"
                .to_string()
        } else {
            format!("{name}: firm and search_ref come from the path; a PATCH does not move or rename a search")
        };
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown field", detail));
    }
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
pub(in crate::server) async fn put_candidate(
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
pub(in crate::server) async fn remove_candidate(
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
pub(in crate::server) async fn delete_search(
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
pub(in crate::server) async fn delete_exemption(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Problem> {
    removal(&app, &caller, firm, search_ref, true, "api DELETE /api/v1/searches/{firm}/{search_ref}/exemption").await
}
