//! `default_permissions`: the organization's default permissions (Quay's prototypes).
//!
//! ```yaml
//! default_permissions:            # absent = not managed, [] = none
//!   - role: write                 # read | write | admin
//!     delegate: {team: builders}  # exactly one of: team, user, robot (short robot name)
//!     activating_user: alice      # optional: only repositories that alice creates
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::decode::{Decoder, Fields};
use crate::config::validate::{referenced_robot, Checker};
use crate::model::{DefaultPermission, Delegate, Mention, Role, OWNERS_TEAM};

/// The keys of the section's maps.
pub mod keys {
    pub const DEFAULT_PERMISSION: &[&str] = &["role", "delegate", "activating_user"];
    pub const DELEGATE: &[&str] = &["team", "user", "robot"];
}

/// A default permission: Quay gives `role` to `delegate` on every repository created in the
/// organization afterwards (by `activating_user` only, when given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DefaultPermissionEntry {
    /// `read`, `write` or `admin`.
    pub role: Role,
    /// Who gets the role: exactly one of `team`, `user` or `robot`.
    pub delegate: DelegateEntry,
    /// Only repositories this user creates (default: whoever creates them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activating_user: Option<String>,
}

/// `{team: name}`, `{user: name}` or `{robot: short name}`: exactly one of them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, extend("minProperties" = 1, "maxProperties" = 1))]
pub struct DelegateEntry {
    /// A team declared in `teams` (or `owners`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// A user of the Quay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A robot declared in `robots`, by its short name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robot: Option<String>,
}

const SECTION: &str = "default_permissions";

impl Decoder<'_> {
    /// The section, `None` when absent. A bad entry is reported and left out (the file then
    /// has errors and yields no organization).
    pub(in crate::config) fn default_permissions(
        &mut self,
        top: &Fields,
    ) -> Option<Vec<DefaultPermissionEntry>> {
        let items = self.list(top, SECTION)?;
        let mut entries = Vec::with_capacity(items.len());
        for (path, item) in items {
            let Some(f) = self.fields(
                item,
                &path,
                "a default permission map",
                keys::DEFAULT_PERMISSION,
            ) else {
                continue;
            };
            let role = self.choice(
                &f,
                "role",
                &[
                    ("read", Role::Read),
                    ("write", Role::Write),
                    ("admin", Role::Admin),
                ],
                true,
            );
            let delegate = self.delegate(&f);
            let activating_user = self.text(&f, "activating_user", None);
            if let (Some(role), Some(delegate)) = (role, delegate) {
                entries.push(DefaultPermissionEntry {
                    role,
                    delegate,
                    activating_user,
                });
            }
        }
        Some(entries)
    }

    fn delegate(&mut self, f: &Fields) -> Option<DelegateEntry> {
        let Some(node) = f.get("delegate") else {
            self.missing(f, "delegate", "{team: <name>}");
            return None;
        };
        let d = self.fields(
            node,
            &f.path("delegate"),
            "a map with one of `team`, `user` or `robot`",
            keys::DELEGATE,
        )?;
        let delegate = DelegateEntry {
            team: self.text(&d, "team", None),
            user: self.text(&d, "user", None),
            robot: self.text(&d, "robot", None),
        };
        let given = [&delegate.team, &delegate.user, &delegate.robot]
            .iter()
            .filter(|v| v.is_some())
            .count();
        if given != 1 {
            self.error(
                node.pos,
                format!(
                    "`{}` must name exactly one of `team`, `user` or `robot`; found {given}",
                    f.path("delegate")
                ),
                Some("e.g. `delegate: {team: builders}`"),
            );
            return None;
        }
        Some(delegate)
    }
}

/// Checks the references of the section: declared teams (or `owners`) and robots, no entry
/// twice (the same delegate and activating user), no empty names.
pub(in crate::config) fn check(
    c: &mut Checker<'_>,
    entries: &[DefaultPermissionEntry],
    robots: &BTreeSet<String>,
    teams: &BTreeSet<String>,
) {
    let mut seen = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("{SECTION}[{i}]");
        let delegate = &entry.delegate;
        if let Some(team) = &delegate.team {
            if team != OWNERS_TEAM && !teams.contains(team) {
                c.error(
                    &format!("{path}.delegate.team"),
                    format!(
                        "default permission for team `{team}`, which is not declared in `teams`"
                    ),
                    Some(format!(
                        "add `- name: {team}` under `teams`, or fix the name"
                    )),
                );
            }
        }
        if let Some(robot) = &delegate.robot {
            c.declared_robot(
                robot,
                &format!("{path}.delegate.robot"),
                robots,
                "default permission for",
            );
        }
        for (key, value) in [
            ("delegate.team", &delegate.team),
            ("delegate.user", &delegate.user),
            ("delegate.robot", &delegate.robot),
            ("activating_user", &entry.activating_user),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                c.error(
                    &format!("{path}.{key}"),
                    format!("`{path}.{key}` is empty"),
                    Some("give a name, or remove the key".into()),
                );
            }
        }
        let key = format!(
            "{} for {}",
            describe(delegate),
            entry
                .activating_user
                .as_deref()
                .map_or("any creator".to_string(), |u| format!(
                    "repositories {u} creates"
                ))
        );
        c.unique(&mut seen, &key, &path, "default permission of");
    }
}

fn describe(delegate: &DelegateEntry) -> String {
    match (&delegate.team, &delegate.user, &delegate.robot) {
        (Some(team), _, _) => format!("team {team}"),
        (_, Some(user), _) => format!("user {user}"),
        (_, _, Some(robot)) => format!("robot {robot}"),
        _ => "nobody".to_string(),
    }
}

/// The model of a checked section (robot names without their `org+` prefix).
pub(in crate::config) fn to_model(
    org: &str,
    entries: &[DefaultPermissionEntry],
) -> Vec<DefaultPermission> {
    entries
        .iter()
        .filter_map(|entry| {
            let d = &entry.delegate;
            let delegate = match (&d.team, &d.user, &d.robot) {
                (Some(team), _, _) => Delegate::Team(team.clone()),
                (_, Some(user), _) => Delegate::User(user.clone()),
                (_, _, Some(robot)) => Delegate::Robot(referenced_robot(org, robot)),
                _ => return None,
            };
            Some(DefaultPermission {
                role: entry.role,
                delegate,
                activating_user: entry.activating_user.clone(),
                id: None,
            })
        })
        .collect()
}

/// The section for `export`, in Quay's order.
pub(in crate::config) fn from_model(defaults: &[DefaultPermission]) -> Vec<DefaultPermissionEntry> {
    defaults
        .iter()
        .map(|d| {
            let mut delegate = DelegateEntry::default();
            match &d.delegate {
                Delegate::Team(name) => delegate.team = Some(name.clone()),
                Delegate::User(name) => delegate.user = Some(name.clone()),
                Delegate::Robot(name) => delegate.robot = Some(name.clone()),
            }
            DefaultPermissionEntry {
                role: d.role,
                delegate,
                activating_user: d.activating_user.clone(),
            }
        })
        .collect()
}

/// The users the section names (delegates and activating users), each with its place: they
/// must exist on every endpoint (checked at plan time). Robots given as activating user
/// (`org+name`) are not users.
pub(in crate::config) fn mentions(
    entries: &[DefaultPermissionEntry],
    at: &dyn Fn(String) -> Option<Mention>,
    users: &mut BTreeMap<String, Mention>,
) {
    for (i, entry) in entries.iter().enumerate() {
        let named = [
            (
                entry.delegate.user.as_deref(),
                format!("{SECTION}[{i}].delegate.user"),
            ),
            (
                entry.activating_user.as_deref(),
                format!("{SECTION}[{i}].activating_user"),
            ),
        ];
        for (name, key) in named {
            let Some(name) = name.filter(|n| !n.contains('+')) else {
                continue;
            };
            if let Some(mention) = at(key) {
                users.entry(name.to_string()).or_insert(mention);
            }
        }
    }
}
