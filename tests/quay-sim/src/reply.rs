//! An answer to one request, and constructors for Quay's five error-body shapes (quay-api.md
//! §1.4, `endpoints/exception.py`, `endpoints/api/__init__.py`, `util/http.py`) plus the HTML
//! pages Flask/werkzeug and nginx send.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

pub const JSON: &str = "application/json";
pub const HTML: &str = "text/html; charset=utf-8";

/// The `error_type` of an [A] body; it also fixes the `title` and, for some, the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    InvalidRequest,
    InvalidToken,
    InsufficientScope,
    NotFound,
}

impl ApiErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ApiErrorKind::InvalidRequest => "invalid_request",
            ApiErrorKind::InvalidToken => "invalid_token",
            ApiErrorKind::InsufficientScope => "insufficient_scope",
            ApiErrorKind::NotFound => "not_found",
        }
    }
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            content_type: JSON,
            body: serde_json::to_vec(value).unwrap_or_default(),
            location: None,
        }
    }

    /// 204 with an empty body.
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            content_type: JSON,
            body: Vec::new(),
            location: None,
        }
    }

    /// [A] ApiException body: `detail` and `error_message` carry the same text.
    pub fn api(status: u16, kind: ApiErrorKind, message: &str, base_url: &str) -> Reply {
        Reply::json(status, &api_body(status, kind, message, base_url))
    }

    /// 400 [A] `invalid_request`.
    pub fn invalid(message: &str, base_url: &str) -> Reply {
        Reply::api(400, ApiErrorKind::InvalidRequest, message, base_url)
    }

    /// 404 [A] `not_found` with Quay's fixed text.
    pub fn not_found(base_url: &str) -> Reply {
        Reply::api(404, ApiErrorKind::NotFound, "Not Found", base_url)
    }

    /// 401 [A] for a request without an authenticated user.
    pub fn unauthenticated(base_url: &str) -> Reply {
        Reply::api(
            401,
            ApiErrorKind::InvalidToken,
            "Requires authentication",
            base_url,
        )
    }

    /// 403 [A] for an authenticated user without the permission (or the token scope).
    pub fn forbidden(base_url: &str) -> Reply {
        Reply::api(
            403,
            ApiErrorKind::InsufficientScope,
            "Unauthorized",
            base_url,
        )
    }

    /// [M] `{"message": …}`.
    pub fn message(status: u16, message: impl Into<Value>) -> Reply {
        Reply::json(status, &json!({ "message": message.into() }))
    }

    /// [E] `{"error": …}`, sent by `util.http.abort` with an HTML content type.
    pub fn error_e(status: u16, message: &str) -> Reply {
        Reply {
            status,
            content_type: HTML,
            body: serde_json::to_vec(&json!({ "error": message })).unwrap_or_default(),
            location: None,
        }
    }

    /// 403 [E]: a write without a valid token fails Quay's CSRF check first.
    pub fn csrf() -> Reply {
        Reply::error_e(403, "CSRF token was invalid or missing.")
    }

    /// [D] `{"detail": …}` built by hand in the mirror and changestate handlers.
    pub fn detail(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({ "detail": message }))
    }

    pub fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: HTML,
            body: body.into_bytes(),
            location: None,
        }
    }

    /// Flask's 404 page for a path no route matches.
    pub fn html_not_found() -> Reply {
        Reply::html(
            404,
            werkzeug_page(
                404,
                "Not Found",
                "The requested URL was not found on the server. If you entered the URL manually \
                 please check your spelling and try again.",
            ),
        )
    }

    /// werkzeug's 405 page (seen for routes Flask-RESTful does not handle the error of).
    pub fn html_method_not_allowed() -> Reply {
        Reply::html(
            405,
            werkzeug_page(
                405,
                "Method Not Allowed",
                "The method is not allowed for the requested URL.",
            ),
        )
    }

    /// 405 [M] from Flask-RESTful.
    pub fn method_not_allowed() -> Reply {
        Reply::message(405, "The method is not allowed for the requested URL.")
    }

    /// An unhandled exception in Quay: 500 with Flask's HTML page.
    pub fn internal_error() -> Reply {
        Reply::html(
            500,
            werkzeug_page(
                500,
                "Internal Server Error",
                "The server encountered an internal error and was unable to complete your \
                 request. Either the server is overloaded or there is an error in the application.",
            ),
        )
    }

    /// werkzeug's strict-slashes redirect to the slashed URL.
    pub fn permanent_redirect(location: String) -> Reply {
        let mut reply = Reply::html(
            308,
            format!(
                "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n\
                 <p>You should be redirected automatically to the target URL: <a href=\"{location}\">{location}</a>. \
                 If not, click the link.\n"
            ),
        );
        reply.location = Some(location);
        reply
    }

    /// nginx's own error page (429 from rate limiting, 502/503/504 from a proxy).
    pub fn nginx(status: u16) -> Reply {
        let reason = match status {
            429 => "Too Many Requests",
            502 => "Bad Gateway",
            503 => "Service Temporarily Unavailable",
            504 => "Gateway Time-out",
            _ => "Error",
        };
        Reply::html(
            status,
            format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                 </body>\r\n</html>\r\n"
            ),
        )
    }
}

pub fn api_body(status: u16, kind: ApiErrorKind, message: &str, base_url: &str) -> Value {
    json!({
        "detail": message,
        "error_message": message,
        "error_type": kind.as_str(),
        "title": kind.as_str(),
        "type": format!("{base_url}/api/v1/error/{}", kind.as_str()),
        "status": status,
    })
}

fn werkzeug_page(status: u16, title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n"
    )
}
