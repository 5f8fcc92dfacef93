//! The routes of `/api/v1`: each parses its request into what the CLI's flags give (a `report::Filter`, a
//! `store::Moment`, `import::ImportOptions`), calls the library with the caller's firm scope, and writes the
//! answer with `output`, so that a report's bytes are the CLI's.

mod accounts;
mod imports;
mod policy;
mod reporting;
mod searches;

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

pub(super) use self::accounts::*;
pub(super) use self::imports::*;
pub(super) use self::policy::*;
pub(super) use self::reporting::*;
pub(super) use self::searches::*;
pub(super) use super::{App, Caller, Problem};
// What the route files share, through `use super::*`.
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

/// 405 for a route that exists with another method.
pub(super) async fn no_method() -> Problem {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", "this route does not take this method")
}

/// The version of every JSON answer's shape.
pub(super) const SCHEMA_VERSION: u32 = output::json::SCHEMA_VERSION;

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut bytes = Vec::new();
    let _ = output::json::write(value, &mut bytes);
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// `true`/`false` (or absent) as a flag.
pub(super) fn flag(raw: Option<&str>, name: &str) -> Result<bool, Problem> {
    match raw.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(Problem::bad_request(format!("{name}: found {other:?} (expected true or false)"))),
    }
}

pub(super) fn quarter(raw: Option<&str>) -> Result<Option<Quarter>, Problem> {
    raw.map(|q| Quarter::parse(q).map_err(|e| Problem::bad_request(format!("quarter: {e}")))).transpose()
}

pub(super) fn moment(as_of: Option<&str>) -> Result<Moment, Problem> {
    match as_of {
        None => Ok(Moment::Now),
        Some(raw) => {
            crate::store::parse_moment(raw).map(Moment::At).map_err(|e| Problem::bad_request(format!("as_of: {e}")))
        }
    }
}

/// The filter of a report or list, as the CLI's `--quarter` and `--firm` make it.
pub(super) fn filter(quarter_raw: Option<&str>, firm: Option<&str>) -> Result<Filter, Problem> {
    Ok(Filter {
        quarter: quarter(quarter_raw)?.map(|q| q.to_string()),
        firm: firm.map(|f| f.trim().to_string()).filter(|f| !f.is_empty()),
        ..Filter::default()
    })
}

pub(super) fn number(raw: Option<&str>, name: &str, default: usize, max: usize) -> Result<usize, Problem> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(Problem::bad_request(format!("{name}: found {raw:?} (expected a whole number from 1 to {max})"))),
    }
}

pub(super) fn no_search(firm: &str, search_ref: &str) -> Problem {
    Problem::not_found(format!("no search {:?} of firm {:?}", search_ref.trim(), firm.trim()))
}

/// A request body as JSON (400, in problem+json, when it is not).
pub(super) fn json_body(body: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))
}

pub(super) fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Problem> {
    match json_body(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(Problem::bad_request("the body is not a JSON object")),
    }
}
