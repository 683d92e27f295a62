//! URL paths. Quay matches paths exactly, trailing slash included (quay-api.md §1.1): the
//! routes that end with a slash are spelled with one here, the others without.

use std::fmt::Write;

/// One path segment: Quay names are `[a-z0-9._-]` plus the `+` of robot names, which Quay
/// expects literally; anything else is percent-encoded so that it cannot change the route.
pub(crate) fn seg(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `/api/v1/organization/{org}`.
pub(crate) fn org(org: &str) -> String {
    format!("/api/v1/organization/{}", seg(org))
}

/// `/api/v1/repository/{org}/{repo}`, with the slashes of a nested repository name sent
/// literally (Quay splits namespace and name on the first slash).
pub(crate) fn repo(org: &str, repo: &str) -> String {
    let name: Vec<String> = repo.split('/').map(seg).collect();
    format!("/api/v1/repository/{}/{}", seg(org), name.join("/"))
}

/// A robot's full name, `org+short`.
pub fn robot_full_name(org: &str, short: &str) -> String {
    format!("{org}+{short}")
}

/// The short name of `full` when it names a robot of `org` (`org+short`), the inverse of
/// [`robot_full_name`].
pub fn robot_short_name<'a>(org: &str, full: &'a str) -> Option<&'a str> {
    full.strip_prefix(org)?.strip_prefix('+')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_repository_names_keep_their_slashes() {
        assert_eq!(
            repo("exampleorg", "nested/demorepo"),
            "/api/v1/repository/exampleorg/nested/demorepo"
        );
    }

    #[test]
    fn robot_names_keep_their_plus() {
        assert_eq!(seg("exampleorg+ci"), "exampleorg+ci");
        assert_eq!(robot_full_name("acme", "ci"), "acme+ci");
        assert_eq!(robot_short_name("acme", "acme+ci"), Some("ci"));
        assert_eq!(robot_short_name("acme", "acmex+ci"), None);
        assert_eq!(robot_short_name("acme", "alice"), None);
    }

    #[test]
    fn odd_characters_cannot_change_the_route() {
        assert_eq!(seg("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(org("acme"), "/api/v1/organization/acme");
    }
}
