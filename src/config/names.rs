//! Quay's naming rules (quay-api.md §1.9), written without regex look-ahead.

/// Organization, user, robot short name and team: `^([a-z0-9]+(?:[._-][a-z0-9]+)*)$`, 2–255.
/// Returns what is wrong, or `None` when the name is valid.
pub fn namespace_problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if !(2..=255).contains(&len) {
        return Some(format!("must be 2 to 255 characters long (it has {len})"));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("must be lowercase".into());
    }
    let mut prev_sep = true; // the start behaves like "after a separator"
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => prev_sep = false,
            '.' | '_' | '-' => {
                if prev_sep {
                    return Some(
                        "must start with a letter or digit and have no two separators (`.` `_` `-`) in a row"
                            .into(),
                    );
                }
                prev_sep = true;
            }
            other => {
                return Some(format!(
                "may only contain a-z, 0-9 and single `.` `_` `-` between them (found `{other}`)"
            ))
            }
        }
    }
    if prev_sep {
        return Some("must end with a letter or digit".into());
    }
    None
}

/// Repository (extended names): `[a-z0-9][.a-z0-9_-]*` segments joined by `/`, ≤ 255 in all.
pub fn repository_problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if len == 0 {
        return Some("must not be empty".into());
    }
    if len > 255 {
        return Some(format!(
            "must be at most 255 characters long (it has {len})"
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("must be lowercase".into());
    }
    for segment in name.split('/') {
        let mut chars = segment.chars();
        match chars.next() {
            None => return Some("has an empty segment (`//`, or a `/` at the start or end)".into()),
            Some(c) if !(c.is_ascii_lowercase() || c.is_ascii_digit()) => {
                return Some(format!(
                    "each `/`-separated part must start with a-z or 0-9 (`{segment}` starts with `{c}`)"
                ))
            }
            Some(_) => {}
        }
        if let Some(bad) = chars.find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-')) {
            return Some(format!(
                "may only contain a-z, 0-9, `.`, `_`, `-` and `/` (found `{bad}`)"
            ));
        }
    }
    None
}

/// Words that Quay's API routes put after a repository path: a nested repository whose last
/// segment is one of them cannot be addressed (`/repository/org/a/mirror` is `org/a`'s mirror).
pub const REPOSITORY_SUB_RESOURCES: &[&str] = &[
    "aggregatelogs",
    "autoprunepolicy",
    "build",
    "changestate",
    "changetrust",
    "changevisibility",
    "exportlogs",
    "image",
    "logs",
    "manifest",
    "mirror",
    "notification",
    "permissions",
    "tag",
    "tokens",
    "trigger",
];

/// The sub-resource word a nested repository name ends with, if any.
pub fn shadowed_by_sub_resource(name: &str) -> Option<&'static str> {
    let (_, last) = name.rsplit_once('/')?;
    REPOSITORY_SUB_RESOURCES
        .iter()
        .copied()
        .find(|w| *w == last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_rule_matches_quays_regex() {
        for ok in ["ab", "a.b", "a_b-c.d", "0x", "abc123", &"a".repeat(255)] {
            assert_eq!(namespace_problem(ok), None, "{ok}");
        }
        for bad in [
            "a",
            "",
            "Ab",
            "a..b",
            "-ab",
            "ab-",
            "a b",
            "a+b",
            "a/b",
            "é-a",
            &"a".repeat(256),
        ] {
            assert!(namespace_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn repository_rule_matches_quays_regex() {
        for ok in ["a", "nested/demorepo", "a..b", "a-", "x/y/z", "0.9_-"] {
            assert_eq!(repository_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "A",
            ".a",
            "a/-b",
            "a b",
            "a:b",
            &"a".repeat(256),
        ] {
            assert!(repository_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn sub_resource_words_only_matter_in_nested_names() {
        assert_eq!(shadowed_by_sub_resource("a/mirror"), Some("mirror"));
        assert_eq!(shadowed_by_sub_resource("mirror"), None);
        assert_eq!(shadowed_by_sub_resource("a/mirrors"), None);
    }
}
