//! `federation` of a robot: the external identities that may use the robot without its token
//! (keyless robot auth, Quay 3.13+).
//!
//! ```yaml
//! robots:
//!   - name: deployer
//!     federation:               # absent = not managed, [] = none
//!       - {issuer: "https://token.actions.githubusercontent.com", subject: "repo:acme/api:ref:refs/heads/main"}
//! ```

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::super::decode::{Decoder, Fields};
use super::super::file::OrganizationFile;
use super::super::validate::{referenced_robot, Checker};
use crate::model::Federation;

/// The keys of the section's maps.
pub mod keys {
    pub const ENTRY: &[&str] = &["issuer", "subject"];
}

pub(in crate::config) const SECTION: &str = "federation";

/// One trusted identity: a token that `issuer` signs for `subject` can be exchanged for a
/// short-lived token of the robot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FederationEntry {
    /// The OIDC issuer's URL (`http://` or `https://`).
    pub issuer: String,
    /// The token's subject (`sub` claim), exactly.
    pub subject: String,
}

impl Decoder<'_> {
    /// A robot's `federation` list, `None` when absent.
    pub(in crate::config) fn federation(&mut self, f: &Fields) -> Option<Vec<FederationEntry>> {
        let items = self.list(f, SECTION)?;
        let mut entries = Vec::with_capacity(items.len());
        for (path, item) in items {
            let Some(e) = self.fields(item, &path, "a map of `issuer` and `subject`", keys::ENTRY)
            else {
                continue;
            };
            let issuer = self.text(&e, "issuer", Some("<https://… issuer URL>"));
            let subject = self.text(&e, "subject", Some("<token subject>"));
            if let (Some(issuer), Some(subject)) = (issuer, subject) {
                entries.push(FederationEntry { issuer, subject });
            }
        }
        Some(entries)
    }
}

/// Checks one robot's list (`path` is `robots[i].federation`): what Quay refuses, with its
/// words where it has some.
pub(in crate::config) fn check(c: &mut Checker<'_>, path: &str, entries: &[FederationEntry]) {
    let mut seen = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let issuer = entry.issuer.trim();
        if !issuer.starts_with("http://") && !issuer.starts_with("https://") {
            c.error(
                &format!("{at}.issuer"),
                format!(
                    "federation issuer `{}` is not a URL: Quay takes only `http://` or `https://` issuers",
                    entry.issuer
                ),
                Some("write the issuer's URL, e.g. `https://token.actions.githubusercontent.com`".into()),
            );
        }
        if entry.subject.trim().is_empty() {
            c.error(
                &format!("{at}.subject"),
                "federation `subject` is empty".into(),
                Some("write the token subject (`sub` claim) the robot trusts".into()),
            );
        }
        c.unique(
            &mut seen,
            &format!("{} {}", entry.issuer, entry.subject),
            &at,
            "federation entry (issuer and subject)",
        );
    }
}

/// Checks every robot's list.
pub(in crate::config) fn check_file(c: &mut Checker<'_>, file: &OrganizationFile) {
    for (i, robot) in file.robots.iter().enumerate() {
        if let Some(entries) = &robot.federation {
            check(c, &format!("robots[{i}].{SECTION}"), entries);
        }
    }
}

/// The model of a checked file: the robots that declare a list, by short name.
pub(in crate::config) fn to_model(file: &OrganizationFile) -> BTreeMap<String, Vec<Federation>> {
    let org = file.quay_organization.as_str();
    file.robots
        .iter()
        .filter_map(|robot| {
            let entries = robot.federation.as_ref()?;
            let list = entries
                .iter()
                .map(|e| Federation {
                    issuer: e.issuer.trim().to_string(),
                    subject: e.subject.clone(),
                })
                .collect();
            Some((referenced_robot(org, &robot.name), list))
        })
        .collect()
}

/// A robot's list for `export`: written when there are some.
pub(in crate::config) fn entries(list: Option<&Vec<Federation>>) -> Option<Vec<FederationEntry>> {
    list.filter(|list| !list.is_empty()).map(|list| {
        list.iter()
            .map(|f| FederationEntry {
                issuer: f.issuer.clone(),
                subject: f.subject.clone(),
            })
            .collect()
    })
}

/// `issuer` → `subject`, for plan lines.
pub fn describe(entry: &Federation) -> String {
    format!("{} → {:?}", entry.issuer, entry.subject)
}
