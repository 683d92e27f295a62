//! `auto_prune`: auto-prune policies of the organization and of each repository (issue 16).
//!
//! ```yaml
//! auto_prune:                     # organization policies; absent = not managed, [] = none
//!   - {method: number_of_tags, value: 50}
//!   - {method: creation_date, value: 30d, tag_pattern: "^pr-", tag_pattern_matches: true}
//! repositories:
//!   - name: api
//!     auto_prune: [{method: number_of_tags, value: 10}]   # the same, for one repository
//! ```

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::super::decode::{Decoder, Fields};
use super::super::file::OrganizationFile;
use super::super::validate::Checker;
use crate::config::yaml::Node;
use crate::model::{AutoPrunePolicy, PruneMethod, ScopedPolicies};

/// The keys of the section's maps.
pub mod keys {
    pub const POLICY: &[&str] = &["method", "value", "tag_pattern", "tag_pattern_matches"];
}

pub(in crate::config) const SECTION: &str = "auto_prune";

/// The units of a `creation_date` value (Quay's `util/timedeltastring.py`).
pub const DURATION_UNITS: &[char] = &['s', 'm', 'h', 'd', 'w', 'y'];

/// One auto-prune policy: Quay's worker deletes the tags it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AutoPruneEntry {
    /// `number_of_tags` (keep the newest `value` tags) or `creation_date` (delete tags older
    /// than `value`).
    pub method: PruneMethodName,
    /// A whole number of tags for `number_of_tags`; a duration for `creation_date`: a whole
    /// number and one of `s m h d w y` (`30d`, `2w`, `12h`).
    pub value: PruneValue,
    /// Only tags whose name matches this regular expression (searched, not anchored) are
    /// pruned. Needs Quay 3.13+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_pattern: Option<String>,
    /// `false`: prune the tags that do *not* match `tag_pattern` (default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_pattern_matches: Option<bool>,
}

/// How a policy selects tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PruneMethodName {
    NumberOfTags,
    CreationDate,
}

/// A count of tags or a duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PruneValue {
    Count(#[schemars(range(min = 1))] u64),
    Duration(#[schemars(regex(pattern = r"^[0-9]+[smhdwy]$"))] String),
}

/// `30d`: a whole number greater than 0 and a known unit.
pub fn is_duration(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    DURATION_UNITS.contains(&unit)
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.parse::<u64>().is_ok_and(|n| n > 0)
}

/// Compiles a tag pattern the way mqc checks it: `fancy-regex` accepts the Python and
/// PostgreSQL syntax Quay's patterns use (look-around, back-references), which the `regex`
/// crate refuses.
pub fn compile_pattern(pattern: &str) -> Result<(), String> {
    fancy_regex::Regex::new(pattern)
        .map(drop)
        .map_err(|err| err.to_string())
}

impl Decoder<'_> {
    /// The `auto_prune` list of a map (the top level or a repository), `None` when absent.
    pub(in crate::config) fn auto_prune(&mut self, f: &Fields) -> Option<Vec<AutoPruneEntry>> {
        let items = self.list(f, SECTION)?;
        let mut entries = Vec::with_capacity(items.len());
        for (path, item) in items {
            if let Some(entry) = self.auto_prune_entry(item, &path) {
                entries.push(entry);
            }
        }
        Some(entries)
    }

    fn auto_prune_entry(&mut self, item: &Node, path: &str) -> Option<AutoPruneEntry> {
        let f = self.fields(item, path, "an auto-prune policy map", keys::POLICY)?;
        let method = self.choice(
            &f,
            "method",
            &[
                ("number_of_tags", PruneMethodName::NumberOfTags),
                ("creation_date", PruneMethodName::CreationDate),
            ],
            true,
        );
        let value = match f.get("value") {
            None => {
                self.missing(&f, "value", "<number of tags, or a duration like 30d>");
                None
            }
            Some(node) => method.and_then(|method| self.prune_value(method, node, &f)),
        };
        let tag_pattern = self.text(&f, "tag_pattern", None);
        if let (Some(pattern), Some(node)) = (&tag_pattern, f.get("tag_pattern")) {
            if pattern.trim().is_empty() {
                self.error(
                    node.pos,
                    format!("`{}` is empty", f.path("tag_pattern")),
                    Some("give a regular expression, or remove the key"),
                );
            } else if let Err(err) = compile_pattern(pattern) {
                self.error(
                    node.pos,
                    format!(
                        "`{}` is not a valid regular expression: {err}",
                        f.path("tag_pattern")
                    ),
                    Some("e.g. `^pr-`"),
                );
            }
        }
        let tag_pattern_matches = self.boolean(&f, "tag_pattern_matches");
        if let (None, Some(node)) = (&tag_pattern, f.get("tag_pattern_matches")) {
            self.error(
                node.pos,
                format!(
                    "`{}` is set without a `tag_pattern`",
                    f.path("tag_pattern_matches")
                ),
                Some("add a `tag_pattern`, or remove `tag_pattern_matches`"),
            );
            return None;
        }
        Some(AutoPruneEntry {
            method: method?,
            value: value?,
            tag_pattern,
            tag_pattern_matches,
        })
    }

    fn prune_value(
        &mut self,
        method: PruneMethodName,
        node: &Node,
        f: &Fields,
    ) -> Option<PruneValue> {
        let scalar = node.scalar();
        match method {
            PruneMethodName::NumberOfTags => match scalar.and_then(|s| s.as_int()) {
                Some(n) if n > 0 => u64::try_from(n).ok().map(PruneValue::Count),
                _ => {
                    self.error(
                        node.pos,
                        format!(
                            "`{}` must be a whole number of tags greater than 0 for \
                                 `number_of_tags`, found {}",
                            f.path("value"),
                            scalar.map_or_else(
                                || node.describe().to_string(),
                                |s| format!("`{}`", s.value)
                            )
                        ),
                        Some("e.g. `value: 50`"),
                    );
                    None
                }
            },
            PruneMethodName::CreationDate => {
                match scalar.map(|s| s.value.trim()) {
                    Some(text) if is_duration(text) => Some(PruneValue::Duration(text.to_string())),
                    _ => {
                        self.error(
                        node.pos,
                        format!(
                            "`{}` must be a duration for `creation_date`: a whole number and one \
                             of s, m, h, d, w, y; found {}",
                            f.path("value"),
                            scalar.map_or_else(|| node.describe().to_string(), |s| format!("`{}`", s.value))
                        ),
                        Some("e.g. `value: 30d` (30 days), `2w`, `12h`"),
                    );
                        None
                    }
                }
            }
        }
    }
}

/// Checks one scope's list (`path` is `auto_prune` or `repositories[i].auto_prune`): no policy
/// twice (Quay 3.13+ refuses an identical second one).
pub(in crate::config) fn check(c: &mut Checker<'_>, path: &str, entries: &[AutoPruneEntry]) {
    let mut seen = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let policy = policy(entry);
        c.unique(&mut seen, &describe(&policy), &at, "auto-prune policy");
    }
}

/// Checks the organization's list and every repository's.
pub(in crate::config) fn check_file(c: &mut Checker<'_>, file: &OrganizationFile) {
    if let Some(entries) = &file.auto_prune {
        check(c, SECTION, entries);
    }
    for (i, repository) in file.repositories.iter().enumerate() {
        if let Some(entries) = &repository.auto_prune {
            check(c, &format!("repositories[{i}].{SECTION}"), entries);
        }
    }
}

/// A policy as plan lines and messages name it: `keep the newest 50 tags matching "^pr-"`.
pub fn describe(policy: &AutoPrunePolicy) -> String {
    match &policy.tag_pattern {
        None => policy.method.to_string(),
        Some(pattern) => format!(
            "{} {} {pattern:?}",
            policy.method,
            if policy.tag_pattern_matches {
                "matching"
            } else {
                "not matching"
            }
        ),
    }
}

fn policy(entry: &AutoPruneEntry) -> AutoPrunePolicy {
    let method = match (&entry.method, &entry.value) {
        (PruneMethodName::NumberOfTags, PruneValue::Count(n)) => PruneMethod::NumberOfTags(*n),
        (PruneMethodName::CreationDate, PruneValue::Duration(d)) => {
            PruneMethod::CreationDate(d.clone())
        }
        // Decoding pairs them; a file built by hand may not.
        (PruneMethodName::NumberOfTags, PruneValue::Duration(d)) => {
            PruneMethod::CreationDate(d.clone())
        }
        (PruneMethodName::CreationDate, PruneValue::Count(n)) => {
            PruneMethod::CreationDate(format!("{n}d"))
        }
    };
    AutoPrunePolicy {
        method,
        tag_pattern_matches: entry.tag_pattern_matches.unwrap_or(true)
            || entry.tag_pattern.is_none(),
        tag_pattern: entry.tag_pattern.clone(),
        uuid: None,
    }
}

/// The model of a checked file: the organization's list and the repositories that declare one.
pub(in crate::config) fn to_model(file: &OrganizationFile) -> ScopedPolicies<AutoPrunePolicy> {
    let list = |entries: &[AutoPruneEntry]| entries.iter().map(policy).collect::<Vec<_>>();
    ScopedPolicies {
        organization: file.auto_prune.as_deref().map(list),
        repositories: file
            .repositories
            .iter()
            .filter_map(|r| r.auto_prune.as_deref().map(|e| (r.name.clone(), list(e))))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn entry(policy: &AutoPrunePolicy) -> AutoPruneEntry {
    let (method, value) = match &policy.method {
        PruneMethod::NumberOfTags(n) => (PruneMethodName::NumberOfTags, PruneValue::Count(*n)),
        PruneMethod::CreationDate(d) => (
            PruneMethodName::CreationDate,
            PruneValue::Duration(d.clone()),
        ),
    };
    AutoPruneEntry {
        method,
        value,
        tag_pattern: policy.tag_pattern.clone(),
        tag_pattern_matches: policy
            .tag_pattern
            .as_ref()
            .map(|_| policy.tag_pattern_matches),
    }
}

/// The list of one scope (`None`: the organization's) for `export`: written when there are
/// some.
pub(in crate::config) fn entries(
    policies: &ScopedPolicies<AutoPrunePolicy>,
    repository: Option<&str>,
) -> Option<Vec<AutoPruneEntry>> {
    policies
        .non_empty(repository)
        .map(|list| list.iter().map(entry).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_a_whole_number_and_a_unit() {
        for ok in ["30d", "2w", "12h", "1y", "90s", "5m"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in [
            "", "d", "30", "0d", "-1d", "1.5d", "30D", "30 d", "30dd", "3x",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn patterns_are_compiled() {
        assert!(compile_pattern("^pr-").is_ok());
        assert!(
            compile_pattern("^(?!keep).*").is_ok(),
            "look-ahead as in Python"
        );
        assert!(compile_pattern("^(unclosed").is_err());
    }
}
