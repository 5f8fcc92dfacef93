//! A posted form (`application/x-www-form-urlencoded`) as name-value pairs, and the check of its CSRF token.

use super::text::K;
use super::{Page, Signed};
use crate::service::accounts::constant_time_eq;

/// The name of every form's hidden token field.
pub(crate) const CSRF_FIELD: &str = "csrf";

/// A form's fields, in the order they were posted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// Reads a urlencoded body; bytes that are not UTF-8 after decoding are replaced, never a panic.
    pub fn parse(body: &[u8]) -> Form {
        let text = String::from_utf8_lossy(body);
        let pairs = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        Form(pairs)
    }

    /// The first value of a field, trimmed; `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.trim())
    }

    /// Refuses (403) a form whose token is missing or is not the session's.
    pub fn check(&self, signed: &Signed) -> Result<(), Page> {
        check_token(Some(self.get(CSRF_FIELD)), &signed.csrf, signed)
    }

    /// The form an account of one of `roles` posted with its session's token: every write's first step.
    pub fn posted(body: &[u8], signed: &Signed, roles: &[crate::store::Role]) -> Result<Form, Page> {
        signed.require(roles)?;
        let form = Form::parse(body);
        form.check(signed)?;
        Ok(form)
    }
}

/// Refuses (403) a token that is missing or is not the session's.
pub(crate) fn check_token(given: Option<&str>, expected: &str, signed: &Signed) -> Result<(), Page> {
    match given {
        Some(given) if !given.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(Page::refused(signed.lang, K::ForbiddenCsrf)),
    }
}

/// Percent-decoding of a urlencoded name or value (`+` is a space).
fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_decoded_without_panics() {
        let form = Form::parse(b"a=1+2&b=%C3%A6%2F&c=%&d=%4&e");
        assert_eq!(form.get("a"), "1 2");
        assert_eq!(form.get("b"), "æ/");
        assert_eq!(form.get("c"), "%");
        assert_eq!(form.get("d"), "%4");
        assert_eq!(form.get("e"), "");
        assert_eq!(form.get("missing"), "");
    }
}
