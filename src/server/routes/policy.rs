//! The policy in force, putting another in force, and whatif.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::*;

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
                format!(
                    "invalid policy {name} ({} {}):\n{}",
                    errors.len(),
                    if errors.len() == 1 { "problem" } else { "problems" },
                    lines.join("\n")
                ),
            );
            problem.errors = Some(json!({"shown": lines, "total": errors.len()}));
            Err(problem)
        }
    }
}

/// How a policy in a request body is named.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct PolicyQuery {
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
pub(in crate::server) async fn policy_in_force(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    let value = app
        .with_store(false, |store| {
            let judging = store.view(Moment::Now, None)?.judging()?.clone();
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
pub(in crate::server) async fn put_policy(
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
pub(in crate::server) async fn whatif(
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
