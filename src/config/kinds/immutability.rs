//! `immutability`: immutability policies of the organization and of each repository (Quay
//! 3.17+, issue 16).
//!
//! ```yaml
//! immutability:                   # organization policies; absent = not managed, [] = none
//!   - {tag_pattern: "^v[0-9]+\\.[0-9]+\\.[0-9]+$", tag_pattern_matches: true}
//! repositories:
//!   - name: api
//!     immutability: [{tag_pattern: "^release-"}]
//! ```

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::super::decode::{Decoder, Fields};
use super::super::file::OrganizationFile;
use super::super::validate::Checker;
use super::auto_prune::compile_pattern;
use crate::config::yaml::Node;
use crate::model::{ImmutabilityPolicy, ScopedPolicies};

/// The keys of the section's maps.
pub mod keys {
    pub const POLICY: &[&str] = &["tag_pattern", "tag_pattern_matches"];
}

pub(in crate::config) const SECTION: &str = "immutability";

/// Quay's limit on a pattern's length (`model/immutability.py`).
const MAX_PATTERN: usize = 256;

/// One immutability policy: Quay makes the tags it selects immutable, including the existing
/// ones when it is created or changed; removing it does not make them mutable again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ImmutabilityEntry {
    /// A regular expression that must match the whole tag name (at most 256 characters).
    pub tag_pattern: String,
    /// `false`: the tags that do *not* match become immutable (default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_pattern_matches: Option<bool>,
}

impl Decoder<'_> {
    /// The `immutability` list of a map (the top level or a repository), `None` when absent.
    pub(in crate::config) fn immutability(&mut self, f: &Fields) -> Option<Vec<ImmutabilityEntry>> {
        let items = self.list(f, SECTION)?;
        let mut entries = Vec::with_capacity(items.len());
        for (path, item) in items {
            if let Some(entry) = self.immutability_entry(item, &path) {
                entries.push(entry);
            }
        }
        Some(entries)
    }

    fn immutability_entry(&mut self, item: &Node, path: &str) -> Option<ImmutabilityEntry> {
        let f = self.fields(item, path, "an immutability policy map", keys::POLICY)?;
        let tag_pattern = self.text(&f, "tag_pattern", Some("<regular expression>"));
        let tag_pattern_matches = self.boolean(&f, "tag_pattern_matches");
        let pattern = tag_pattern?;
        let node = f.get("tag_pattern")?;
        let problem = if pattern.trim().is_empty() {
            Some(format!("`{}` is empty", f.path("tag_pattern")))
        } else if pattern.chars().count() > MAX_PATTERN {
            Some(format!(
                "`{}` is longer than Quay's {MAX_PATTERN} characters",
                f.path("tag_pattern")
            ))
        } else {
            compile_pattern(&pattern).err().map(|err| {
                format!(
                    "`{}` is not a valid regular expression: {err}",
                    f.path("tag_pattern")
                )
            })
        };
        if let Some(message) = problem {
            self.error(
                node.pos,
                message,
                Some("e.g. `^v[0-9]+\\.[0-9]+\\.[0-9]+$`"),
            );
            return None;
        }
        Some(ImmutabilityEntry {
            tag_pattern: pattern,
            tag_pattern_matches,
        })
    }
}

/// Checks one scope's list: no pattern twice (Quay refuses a second policy with a pattern
/// the scope has).
pub(in crate::config) fn check(c: &mut Checker<'_>, path: &str, entries: &[ImmutabilityEntry]) {
    let mut seen = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        c.unique(
            &mut seen,
            &entry.tag_pattern,
            &format!("{path}[{i}]"),
            "immutability tag pattern",
        );
    }
}

/// Checks the organization's list and every repository's.
pub(in crate::config) fn check_file(c: &mut Checker<'_>, file: &OrganizationFile) {
    if let Some(entries) = &file.immutability {
        check(c, SECTION, entries);
    }
    for (i, repository) in file.repositories.iter().enumerate() {
        if let Some(entries) = &repository.immutability {
            check(c, &format!("repositories[{i}].{SECTION}"), entries);
        }
    }
}

/// `tags matching "^v"` (or `not matching`).
pub fn describe(policy: &ImmutabilityPolicy) -> String {
    format!(
        "tags {} {:?}",
        if policy.tag_pattern_matches {
            "matching"
        } else {
            "not matching"
        },
        policy.tag_pattern
    )
}

fn policy(entry: &ImmutabilityEntry) -> ImmutabilityPolicy {
    ImmutabilityPolicy {
        tag_pattern: entry.tag_pattern.clone(),
        tag_pattern_matches: entry.tag_pattern_matches.unwrap_or(true),
        uuid: None,
    }
}

fn entry(policy: &ImmutabilityPolicy) -> ImmutabilityEntry {
    ImmutabilityEntry {
        tag_pattern: policy.tag_pattern.clone(),
        tag_pattern_matches: Some(policy.tag_pattern_matches),
    }
}

/// The model of a checked file: the organization's list and the repositories that declare one.
pub(in crate::config) fn to_model(file: &OrganizationFile) -> ScopedPolicies<ImmutabilityPolicy> {
    let list = |entries: &[ImmutabilityEntry]| entries.iter().map(policy).collect::<Vec<_>>();
    ScopedPolicies {
        organization: file.immutability.as_deref().map(list),
        repositories: file
            .repositories
            .iter()
            .filter_map(|r| r.immutability.as_deref().map(|e| (r.name.clone(), list(e))))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The list of one scope (`None`: the organization's) for `export`: written when there are
/// some.
pub(in crate::config) fn entries(
    policies: &ScopedPolicies<ImmutabilityPolicy>,
    repository: Option<&str>,
) -> Option<Vec<ImmutabilityEntry>> {
    policies
        .non_empty(repository)
        .map(|list| list.iter().map(entry).collect())
}
