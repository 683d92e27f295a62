//! Quay's name rules (`util/validation.py`, quay-api.md §1.9) and the small text checks the
//! handlers share (emails, mirror dates, webhook URLs).

/// Quay's namespace regex, quoted in its error texts.
pub const NAMESPACE_REGEX: &str = "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$";

/// Why a namespace-style name (org, user, robot short name, team) is refused, in Quay's words
/// minus the prefix each caller adds. `length_word` is "Namespace" or "Team".
pub fn namespace_name_problem(name: &str, length_word: &str) -> Option<String> {
    if !matches_namespace_regex(name) {
        return Some(format!("Namespace must match expression {NAMESPACE_REGEX}"));
    }
    if name.len() < 2 || name.len() > 255 {
        return Some(format!(
            "{length_word} must be between 2 and 255 characters in length"
        ));
    }
    None
}

/// `^([a-z0-9]+(?:[._-][a-z0-9]+)*)$`: alphanumeric runs joined by single separators.
fn matches_namespace_regex(name: &str) -> bool {
    let mut previous_was_separator = true; // also rejects a leading separator
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => previous_was_separator = false,
            '.' | '_' | '-' if !previous_was_separator => previous_was_separator = true,
            _ => return false,
        }
    }
    !name.is_empty() && !previous_was_separator
}

/// Extended repository names: `^(?=.{0,255}$)[a-z0-9][\.a-z0-9_-]*(?:\/[a-z0-9][\.a-z0-9_-]*)*$`.
pub fn is_valid_repository_name(name: &str) -> bool {
    name.len() <= 255
        && name.split('/').all(|segment| {
            let mut chars = segment.chars();
            matches!(chars.next(), Some('a'..='z' | '0'..='9'))
                && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'))
        })
}

/// A plausible email address (Quay uses a library; the sim only needs to refuse obvious junk).
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// Python's `strptime(s, "%Y-%m-%dT%H:%M:%SZ")`, which is what the mirror endpoints accept.
pub fn is_valid_mirror_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    if bytes.len() != 20 {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = date.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let separators_ok = bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && bytes[19] == b'Z';
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    separators_ok
        && year >= 1
        && (1..=days_in_month).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
}

/// The host part of an `http(s)://` URL, lower-cased; `None` for other schemes or no host.
pub fn http_url_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names() {
        assert_eq!(namespace_name_problem("exampleorg", "Namespace"), None);
        assert_eq!(namespace_name_problem("a.b-c_d9", "Namespace"), None);
        assert!(namespace_name_problem("Bad_Name!", "Namespace")
            .unwrap()
            .starts_with("Namespace must match expression"));
        assert!(namespace_name_problem("a--b", "Namespace").is_some());
        assert!(namespace_name_problem("-ab", "Namespace").is_some());
        assert!(namespace_name_problem("ab-", "Namespace").is_some());
        assert_eq!(
            namespace_name_problem("w", "Namespace").unwrap(),
            "Namespace must be between 2 and 255 characters in length"
        );
        assert!(namespace_name_problem(&"a".repeat(256), "Team")
            .unwrap()
            .starts_with("Team must be"));
    }

    #[test]
    fn repository_names() {
        assert!(is_valid_repository_name("nested/demorepo"));
        assert!(is_valid_repository_name("a..b--"));
        assert!(!is_valid_repository_name("Upper"));
        assert!(!is_valid_repository_name("a//b"));
        assert!(!is_valid_repository_name("/a"));
        assert!(!is_valid_repository_name(".a"));
        assert!(!is_valid_repository_name(""));
        assert!(!is_valid_repository_name(&"a".repeat(256)));
    }

    #[test]
    fn mirror_dates() {
        assert!(is_valid_mirror_date("2024-08-21T00:00:00Z"));
        assert!(is_valid_mirror_date("2024-02-29T23:59:59Z"));
        assert!(!is_valid_mirror_date("2023-02-29T00:00:00Z"));
        assert!(!is_valid_mirror_date("2024-08-21T00:00:00.00Z"));
        assert!(!is_valid_mirror_date("Tue, 20 Aug 2019 17:51:00 -0000"));
        assert!(!is_valid_mirror_date("2024-13-01T00:00:00Z"));
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            http_url_host("http://LocalHost:8080/x").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            http_url_host("https://u:p@127.0.0.1/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(http_url_host("ftp://example.com/"), None);
        assert_eq!(http_url_host("example.com"), None);
        assert!(is_valid_email("ops@example.com"));
        assert!(!is_valid_email("ops@"));
        assert!(!is_valid_email("not an email"));
    }
}
