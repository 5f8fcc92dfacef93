//! Reports (the CLI's bytes, streamed), the quarterly pack as a zip, and the audit.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;

use super::*;

/// Filters of a report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct ReportQuery {
    /// `csv` (default) or `json`.
    format: Option<String>,
    /// Only searches of this quarter, such as 2026-Q3.
    quarter: Option<String>,
    /// Only this firm.
    firm: Option<String>,
    /// Only searches of this client: a registry id (kommune-751) or any of its names, or an unknown client's text.
    client: Option<String>,
    /// Only searches whose client is in this sector (state, region, municipality, ...; Danish words too).
    client_sector: Option<String>,
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
pub(in crate::server) async fn report(
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
        "clients" => reports::Which::Clients,
        other => {
            return Err(Problem::not_found(format!(
                "no report {other:?} (expected searches, firms, quarters, outcomes or clients)"
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
    let mut filter = filter(q.quarter.as_deref(), q.firm.as_deref())?;
    filter.client_sector = match q.client_sector.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            Some(crate::model::Sector::parse(raw).map_err(|e| Problem::bad_request(format!("client_sector: {e}")))?)
        }
        None => None,
    };
    let moment = moment(q.as_of.as_deref())?;
    let scope = caller.scope();
    let client = q.client;
    let content_type = if format == Format::Json { "application/json" } else { "text/csv; charset=utf-8" };
    app.stream(content_type, move |store, out| {
        let view = store.view(moment, None)?.within(scope);
        filter.client = service::filters::client(&view, client.as_deref())?;
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

/// Shape of the pack.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct PackQuery {
    /// `true`: the CSV files shaped for Danish spreadsheets.
    excel: Option<String>,
}

/// A quarter's pack (summary, firms, searches, failing, exemptions, outcomes) as a zip of the files
/// `pledgecheck quarterly QUARTER` writes.
#[utoipa::path(get, path = "/api/v1/quarterly/{quarter}", tag = "reports",
    params(("quarter" = String, Path, description = "such as 2026-Q3"), PackQuery),
    responses((status = 200, description = "application/zip"), (status = 403, description = "auditors and admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn quarterly(
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
            let pack = reports::pack(store, quarter)?;
            zip_of(&pack, excel)
                .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string()))
        })
        .await?;
    let disposition = format!("attachment; filename=\"pledgecheck-{quarter}.zip\"");
    Ok(([(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The pack's files in a zip, stored uncompressed with fixed times: the same database gives the same bytes.
pub(in crate::server) fn zip_of(pack: &reports::Pack, excel: bool) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in &pack.files {
        let mut bytes = Vec::new();
        let mut csv = output::csv::RowWriter::new(content.columns(), excel, &mut bytes)?;
        pack.each_row(content, |cells| csv.row(cells)).map_err(crate::store::StoreError::into_io)?;
        csv.finish()?;
        zip.start_file(name.as_str(), options).map_err(std::io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// What the audit compares against.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::server) struct AuditQuery {
    /// A chain hash noted earlier, which must still be an entry of the chain.
    expect: Option<String>,
}

/// The hash chain's head and a verification of every entry and stored row (`pledgecheck audit verify --format
/// json`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "evidence", params(AuditQuery),
    responses((status = 200, description = "`{schema_version, intact, entries, head, ...}`"),
              (status = 403, description = "auditors and admins only")),
    security(("bearer" = [])))]
pub(in crate::server) async fn audit(
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
