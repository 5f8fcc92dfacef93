//! Errors as `application/problem+json` (RFC 9457), in the CLI's words.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::import::{At, ImportError, InputErrors};
use crate::service::accounts::HashError;
use crate::store::{AccountError, StoreError};

/// An error answer: its status, a short title, the message the CLI would print, and for bad input every error.
#[derive(Debug)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// What kind of problem, for people.
    pub title: &'static str,
    /// The message, as the CLI words it.
    pub detail: String,
    /// For bad input files: each error with its file, line, column or path.
    pub errors: Option<Value>,
}

impl Problem {
    /// A problem with no list of errors.
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem { status, title, detail: detail.into(), errors: None }
    }

    /// 400: a parameter that does not read.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad request", detail)
    }

    /// 401: no token, or one that is not (or no longer) valid; the same answer for every case.
    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API token is needed (Authorization: Bearer TOKEN; `pledgecheck token add` makes one)",
        )
    }

    /// 403: the account's role may not do this.
    pub fn forbidden(role: &str, what: &str) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", {
            let article = if role.to_string().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {role} account may not {what}")
        })
    }

    /// 404, with the CLI's message.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not found", detail)
    }

    /// 429: too many failed attempts.
    pub fn too_many() -> Problem {
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests",
            "too many failed attempts in the last minute; try again later",
        )
    }

    /// 422: errors in the input files; nothing was written.
    pub fn input(errors: &InputErrors) -> Problem {
        let total = errors.total();
        let detail =
            format!("{total} {} in the input; nothing was written", if total == 1 { "problem" } else { "problems" });
        let list: Vec<Value> = errors
            .shown()
            .map(|e| {
                let (line, column, path) = match &e.at {
                    At::File => (None, None, None),
                    At::Line { line, column } => (Some(*line), column.as_ref().map(|c| c.1.clone()), None),
                    At::Path(path) => (None, None, Some(path.clone())),
                };
                json!({"file": e.file, "line": line, "column": column, "path": path, "message": e.message,
                       "text": e.to_string()})
            })
            .collect();
        Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "the input has errors",
            detail,
            errors: Some(json!({"shown": list, "total": total, "text": errors.to_string()})),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = json!({"type": "about:blank", "title": self.title, "status": self.status.as_u16(),
                              "detail": self.detail});
        if let Some(errors) = self.errors {
            body["errors"] = errors;
        }
        let bytes = serde_json::to_vec_pretty(&body).unwrap_or_default();
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], bytes).into_response()
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        let status = match e {
            StoreError::Missing(_) | StoreError::TooNew { .. } => StatusCode::SERVICE_UNAVAILABLE,
            // Bad input (`as_of` before the database existed), refused by the CLI as bad usage: not a fault.
            StoreError::BeforeCreation { .. } => return Problem::bad_request(format!("as_of: {e}")),
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Problem::new(status, "the database failed", e.to_string())
    }
}

/// 499 (nginx's "client closed request"): logged for an upload whose client went away; nobody reads the answer.
pub(crate) fn client_closed() -> StatusCode {
    StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The status of an upload that could not be read. The multipart parser says 500 for any failure of the body's
/// stream, but two are the client's: a body without Content-Length that goes over `--max-upload` (the limit
/// layer can only refuse it up front with a length; streamed, it fails mid-read: 413), and a client that went
/// away mid-upload (499, so that the log shows no server fault). The causes are only told apart by their text.
pub(crate) fn upload_status(e: &axum::extract::multipart::MultipartError) -> StatusCode {
    let mut texts = vec![format!("{e:?}")];
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        texts.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    let said = |what: &str| texts.iter().any(|t| t.contains(what));
    if said("LengthLimitError") || said("length limit exceeded") {
        StatusCode::PAYLOAD_TOO_LARGE
    } else if said("IncompleteMessage")
        || said("connection closed before message completed")
        || said("end of file before message length reached")
        || said("UnexpectedEof")
        || said("ConnectionReset")
    {
        client_closed()
    } else {
        e.status()
    }
}

/// The words for an upload that could not be read, by [`upload_status`].
pub(crate) fn upload_detail(e: &axum::extract::multipart::MultipartError) -> String {
    match upload_status(e) {
        StatusCode::PAYLOAD_TOO_LARGE => "the body is larger than --max-upload".to_string(),
        status if status == client_closed() => "the client closed the connection before the upload ended".into(),
        _ => e.body_text(),
    }
}

impl From<ImportError> for Problem {
    fn from(e: ImportError) -> Problem {
        match e {
            ImportError::Input(errors) => Problem::input(&errors),
            ImportError::Store(e) => e.into(),
        }
    }
}

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Problem {
        match e {
            AccountError::Store(e) => e.into(),
            other => Problem::bad_request(other.to_string()),
        }
    }
}

impl From<HashError> for Problem {
    fn from(e: HashError) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string())
    }
}
