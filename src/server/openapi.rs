//! The OpenAPI document, generated from the routes' annotations (utoipa) and served at /api/v1/openapi.json.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes;

/// The API.
#[derive(OpenApi)]
#[openapi(
    info(title = "pledgecheck", description = "Executive searches checked against the mobility pledge: reports, \
        searches, imports and evidence. Authenticate with `Authorization: Bearer TOKEN`; a recruiter sees and \
        writes only their own firm."),
    paths(routes::report, routes::searches, routes::explain, routes::history, routes::imports, routes::check,
          routes::put_search, routes::put_exemption, routes::quarterly, routes::audit, routes::login, routes::policy_in_force, routes::put_policy, routes::whatif, routes::patch_search, routes::put_candidate, routes::remove_candidate, routes::delete_search, routes::delete_exemption,
          routes::users, routes::add_user, routes::disable_user, routes::user_tokens, routes::add_user_token, routes::revoke_token),
    modifiers(&Bearer)
)]
pub(super) struct Api;

/// Declares the bearer token scheme the routes name.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// GET /api/v1/openapi.json (no token needed: it describes the API, not the data).
pub(super) async fn document() -> Response {
    let text = Api::openapi().to_pretty_json().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}
