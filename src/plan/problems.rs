//! Plan-time errors: what a file declares that a target cannot apply, found before any write
//! and reported in the plan ([`Problem`]).
//!
//! Two kinds, with different reach:
//! - a user the file names does not exist on the endpoint: the whole target is left alone
//!   (a misspelt user would otherwise be granted nothing while the real one is revoked);
//! - the endpoint lacks a feature a declaration needs (team syncing, mirroring): only that
//!   part is left out of the plan, everything else of the target still converges.
//!
//! The planner learns what the endpoint lacks from [`ServerLimits`] (read by the command, as
//! every I/O is); this module stays pure.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Actual, ObjectRef};
use crate::model::{Mention, Mentions, Organization, RepoState, TeamSync};

/// A Quay feature a declaration needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Feature {
    /// `FEATURE_TEAM_SYNCING` (with LDAP authentication): a team's `group_dn`.
    #[serde(rename = "TEAM_SYNCING")]
    TeamSyncing,
    /// `FEATURE_REPO_MIRROR`: a repository's mirror (and its `MIRROR` state).
    #[serde(rename = "REPO_MIRROR")]
    RepoMirror,
    /// `FEATURE_QUOTA_MANAGEMENT` (with `FEATURE_EDIT_QUOTA`): the organization's `quota`.
    #[serde(rename = "QUOTA_MANAGEMENT")]
    QuotaManagement,
    /// `FEATURE_CHANGE_TAG_EXPIRATION`: the organization's `tag_expiration`.
    #[serde(rename = "CHANGE_TAG_EXPIRATION")]
    ChangeTagExpiration,
    /// `FEATURE_AUTO_PRUNE`: auto-prune policies (`auto_prune`); tag patterns and several
    /// policies per scope need Quay 3.13+.
    #[serde(rename = "AUTO_PRUNE")]
    AutoPrune,
    /// `FEATURE_IMMUTABLE_TAGS` (Quay 3.17+): immutability policies (`immutability`).
    #[serde(rename = "IMMUTABLE_TAGS")]
    ImmutableTags,
    /// `FEATURE_SPARSE_INDEX` (Quay 3.17+): a mirror's non-empty `architecture_filter`.
    #[serde(rename = "SPARSE_INDEX")]
    SparseIndex,
    /// Robot federation (keyless robot auth, Quay 3.13+, no flag): a robot's `federation`.
    #[serde(rename = "ROBOT_FEDERATION")]
    RobotFederation,
}

impl Feature {
    /// Quay's flag.
    pub fn flag(self) -> &'static str {
        match self {
            Feature::TeamSyncing => "FEATURE_TEAM_SYNCING",
            Feature::RepoMirror => "FEATURE_REPO_MIRROR",
            Feature::QuotaManagement => "FEATURE_QUOTA_MANAGEMENT",
            Feature::ChangeTagExpiration => "FEATURE_CHANGE_TAG_EXPIRATION",
            Feature::AutoPrune => "FEATURE_AUTO_PRUNE",
            Feature::ImmutableTags => "FEATURE_IMMUTABLE_TAGS",
            Feature::SparseIndex => "FEATURE_SPARSE_INDEX",
            // Quay has no flag for it: only its version decides.
            Feature::RobotFederation => "robot federation (Quay 3.13+)",
        }
    }
}

/// Why a feature cannot be used on an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lack {
    /// The feature flag is off.
    Disabled,
    /// The flag is on, but the server authenticates with this (`AUTHENTICATION_TYPE`), so a
    /// team cannot sync from the group the file names (`group_dn` needs LDAP, `group_name`
    /// OIDC).
    Authentication(String),
    /// The feature is on, but only a superuser may write it and the token is not one (or
    /// lacks `super:user`).
    Superuser,
    /// The feature is on, but from Quay 3.16 only a superuser with
    /// `FEATURE_SUPERUSERS_FULL_ACCESS` may write it, and that flag is off.
    SuperuserFullAccess,
    /// The flag is on, but what the file declares needs this Quay version or newer.
    OlderThan(String),
}

/// What the planner must know about the target's Quay besides its state. The default is a
/// Quay that has every feature and every user the file names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerLimits {
    /// Features this Quay lacks.
    pub lacks: BTreeMap<Feature, Lack>,
    /// Users the file names that do not exist on this Quay.
    pub unknown_users: BTreeSet<String>,
    /// The server's `TAG_EXPIRATION_OPTIONS` (`GET /config`); `None` when unknown (then the
    /// value is not checked before it is sent).
    pub tag_expiration_options: Option<Vec<String>>,
    /// What the endpoint lacks for some notifications (read only when the file declares them).
    pub notification_lacks: BTreeSet<NotificationNeed>,
    /// Whether each address of a declared `email` notification that Quay does not have yet is
    /// authorized, by (repository, address). An address not here counts as confirmed.
    pub email_authorizations: BTreeMap<(String, String), crate::model::EmailAuthorization>,
    /// The server's `AUTHENTICATION_TYPE` (`GET /config`), when a file syncs a team and the
    /// server shows it: `group_dn` needs `LDAP`, `group_name` needs `OIDC`. `None`: unknown
    /// (not checked before it is sent).
    pub authentication: Option<String>,
}

/// What a notification needs that an endpoint may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationNeed {
    /// `email` notifications: `FEATURE_MAILING`.
    Mailing,
    /// `repo_image_expiry` on Quay 3.13+: `FEATURE_IMAGE_EXPIRY_TRIGGER` (3.12 always scans).
    ImageExpiryTrigger,
    /// `quota_warning`, `quota_error`: Quay 3.18+ (older ones answer 500).
    Quay318,
}

impl NotificationNeed {
    /// What is missing, for a message.
    pub fn describe(self) -> &'static str {
        match self {
            NotificationNeed::Mailing => "FEATURE_MAILING (Quay sends no e-mail without it)",
            NotificationNeed::ImageExpiryTrigger => {
                "FEATURE_IMAGE_EXPIRY_TRIGGER (Quay 3.13+ looks for expiring tags only with it)"
            }
            NotificationNeed::Quay318 => "Quay 3.18 or newer (older ones have no quota events)",
        }
    }

    /// What to do.
    pub fn remedy(self) -> &'static str {
        match self {
            NotificationNeed::Mailing => {
                "enable FEATURE_MAILING on that Quay or remove the notification"
            }
            NotificationNeed::ImageExpiryTrigger => {
                "enable FEATURE_IMAGE_EXPIRY_TRIGGER on that Quay or remove the notification"
            }
            NotificationNeed::Quay318 => "upgrade that Quay to 3.18 or remove the notification",
        }
    }
}

/// One plan-time error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    #[serde(flatten)]
    pub kind: ProblemKind,
    /// Where the file states it: filled in by [`Problem::locate`], since only the command
    /// knows the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Mention>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file names a user the endpoint does not have; nothing of the target is applied.
    UnknownUser {
        user: String,
        /// The closest name among the users Quay shows for the organization.
        did_you_mean: Option<String>,
    },
    /// `field` of `object` needs a feature the endpoint lacks; it is left out of the plan.
    FeatureMissing {
        feature: Feature,
        lack: Lack,
        object: ObjectRef,
        field: &'static str,
    },
    /// A notification of `repository` needs what the endpoint lacks; it is left out of the
    /// plan, the rest is applied.
    NotificationUnsupported {
        repository: String,
        /// The notification, as the plan describes it.
        notification: String,
        needs: NotificationNeed,
    },
    /// `field` of `object` holds a value the endpoint does not offer; it is left out of the
    /// plan.
    ValueNotOffered {
        object: ObjectRef,
        field: &'static str,
        value: String,
        offered: Vec<String>,
    },
}

impl Problem {
    fn new(kind: ProblemKind) -> Problem {
        Problem { kind, at: None }
    }

    /// True when no change of the target may be applied at all.
    pub fn blocks_target(&self) -> bool {
        matches!(self.kind, ProblemKind::UnknownUser { .. })
    }

    /// Points the problem at the place its file states it.
    pub fn locate(&mut self, mentions: &Mentions) {
        let found = match &self.kind {
            ProblemKind::UnknownUser { user, .. } => mentions.users.get(user),
            ProblemKind::FeatureMissing {
                object: ObjectRef::Team(team),
                field: "group_dn" | "group_name",
                ..
            } => mentions.group_dns.get(team),
            ProblemKind::FeatureMissing {
                object: ObjectRef::Robot(robot),
                field: "federation",
                ..
            } => mentions.federations.get(robot),
            ProblemKind::FeatureMissing {
                object: ObjectRef::Repository(repository),
                field: "mirror",
                ..
            } => mentions.mirrors.get(repository),
            // Sections that need a feature, by repository (`None`: the top level) and key.
            ProblemKind::FeatureMissing {
                object: ObjectRef::Organization,
                field,
                ..
            }
            | ProblemKind::ValueNotOffered {
                object: ObjectRef::Organization,
                field,
                ..
            } => mentions.sections.get(&(None, field.to_string())),
            ProblemKind::FeatureMissing {
                object: ObjectRef::Repository(repository),
                field,
                ..
            } => {
                // `state: read_only` is stated at the repository's `state` key.
                let key = if field.starts_with("state:") {
                    "state"
                } else {
                    field
                };
                mentions
                    .sections
                    .get(&(Some(repository.clone()), key.to_string()))
            }
            ProblemKind::NotificationUnsupported { repository, .. } => mentions
                .sections
                .get(&(Some(repository.clone()), "notification".to_string())),
            ProblemKind::FeatureMissing { .. } | ProblemKind::ValueNotOffered { .. } => None,
        };
        self.at = found.cloned();
    }
}

/// The users a plan for `desired` would add somewhere (team members of teams that are not
/// synced from a group, repository user permissions) that `actual` does not already show
/// (Quay shows only users that exist), the token user aside: the ones whose existence must be
/// checked before anything is written.
pub fn users_to_check(
    desired: &Organization,
    actual: Actual<'_>,
    token_user: Option<&str>,
) -> BTreeSet<String> {
    let known = actual.map(known_users).unwrap_or_default();
    let team_users = desired
        .teams
        .values()
        .filter(|team| team.sync.is_none())
        .filter_map(|team| team.members.as_ref())
        .flat_map(|members| members.users.iter());
    let permission_users = desired
        .repositories
        .values()
        .filter_map(|repository| repository.permissions.users.as_ref())
        .flat_map(|users| users.keys());
    let notified_users = desired
        .repositories
        .values()
        .filter_map(|repository| repository.notifications.as_ref())
        .flatten()
        .filter_map(notified_user);
    team_users
        .chain(permission_users)
        .chain(notified_users)
        .chain(default_permission_users(desired))
        .filter(|user| !known.contains(user.as_str()) && Some(user.as_str()) != token_user)
        .cloned()
        .collect()
}

/// The user a `quay_notification` notifies (`target: {kind: user, name}`).
fn notified_user(notification: &crate::model::Notification) -> Option<&String> {
    if notification.method
        != crate::model::OrOther::Known(crate::model::NotificationMethod::QuayNotification)
    {
        return None;
    }
    let target = notification.config.get("target")?;
    if target.get("kind")?.as_str()? != "user" {
        return None;
    }
    match target.get("name")? {
        serde_json::Value::String(name) => Some(name),
        _ => None,
    }
}

/// A notification of `repository` that needs what the endpoint lacks.
pub(super) fn notification_unsupported(
    repository: &str,
    notification: &crate::model::Notification,
    needs: NotificationNeed,
) -> Problem {
    Problem::new(ProblemKind::NotificationUnsupported {
        repository: repository.to_string(),
        notification: notification.describe(),
        needs,
    })
}

/// The user names Quay shows for an organization: team members (and invitees) and holders of
/// repository user permissions, as far as they were read.
fn known_users(actual: &Organization) -> BTreeSet<&str> {
    let members = actual
        .teams
        .values()
        .filter_map(|team| team.members.as_ref())
        .flat_map(|m| m.users.iter().chain(&m.invited_users));
    let holders = actual
        .repositories
        .values()
        .filter_map(|repository| repository.permissions.users.as_ref())
        .flat_map(|users| users.keys());
    members
        .chain(holders)
        .chain(default_permission_users(actual))
        .map(String::as_str)
        .collect()
}

/// The users default permissions name: user delegates and activating users (not robots).
fn default_permission_users(organization: &Organization) -> impl Iterator<Item = &String> {
    organization
        .default_permissions
        .iter()
        .flatten()
        .flat_map(|default| {
            let delegate = match &default.delegate {
                crate::model::Delegate::User(user) => Some(user),
                _ => None,
            };
            delegate.into_iter().chain(default.activating_user.as_ref())
        })
        .filter(|user| !user.contains('+'))
}

/// The closest known name to a misspelt one, when it is close enough to be a likely typo.
fn did_you_mean<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    known
        .into_iter()
        .filter(|name| *name != unknown)
        .map(|name| (strsim::osa_distance(unknown, name), name))
        .filter(|(distance, name)| *distance <= 2.max(name.chars().count() / 3))
        .min()
        .map(|(_, name)| name.to_string())
}

/// One error per unknown user, each with the closest user Quay shows for the organization.
pub(super) fn unknown_users(limits: &ServerLimits, actual: Actual<'_>) -> Vec<Problem> {
    let known = actual.map(known_users).unwrap_or_default();
    limits
        .unknown_users
        .iter()
        .map(|user| {
            Problem::new(ProblemKind::UnknownUser {
                user: user.clone(),
                did_you_mean: did_you_mean(user, known.iter().copied()),
            })
        })
        .collect()
}

/// `field` of `object` needs `feature`, which the endpoint lacks (`lack`).
pub(super) fn feature_missing(
    feature: Feature,
    lack: &Lack,
    object: ObjectRef,
    field: &'static str,
) -> Problem {
    Problem::new(ProblemKind::FeatureMissing {
        feature,
        lack: lack.clone(),
        object,
        field,
    })
}

/// A team sync that cannot be applied: the problem, when the endpoint cannot sync teams, or
/// not from this kind of group (`group_dn` needs LDAP authentication, `group_name` OIDC).
pub(super) fn team_sync(limits: &ServerLimits, team: &str, sync: &TeamSync) -> Option<Problem> {
    let field = sync.key().unwrap_or("group_dn");
    let lack = match limits.lacks.get(&Feature::TeamSyncing) {
        Some(lack) => lack.clone(),
        None => {
            let kind = limits.authentication.as_deref()?;
            let needed = match sync {
                TeamSync::Ldap { .. } => "LDAP",
                TeamSync::Oidc { .. } => "OIDC",
                TeamSync::Other { .. } => return None,
            };
            if kind.eq_ignore_ascii_case(needed) {
                return None;
            }
            Lack::Authentication(kind.to_string())
        }
    };
    Some(Problem::new(ProblemKind::FeatureMissing {
        feature: Feature::TeamSyncing,
        lack,
        object: ObjectRef::Team(team.to_string()),
        field,
    }))
}

/// A declaration of `field` on `object` that needs `feature`: the problem, when the endpoint
/// lacks it.
pub(super) fn lacking(
    limits: &ServerLimits,
    feature: Feature,
    object: ObjectRef,
    field: &'static str,
) -> Option<Problem> {
    let lack = limits.lacks.get(&feature)?;
    Some(Problem::new(ProblemKind::FeatureMissing {
        feature,
        lack: lack.clone(),
        object,
        field,
    }))
}

/// A value of `field` on `object` that is not among what the endpoint offers.
pub(super) fn not_offered(
    object: ObjectRef,
    field: &'static str,
    value: String,
    offered: &[String],
) -> Problem {
    Problem::new(ProblemKind::ValueNotOffered {
        object,
        field,
        value,
        offered: offered.to_vec(),
    })
}

/// `desired` without the mirrors the endpoint cannot have, and a problem for each. Planned
/// against that, a repository keeps everything else (permissions without the mirror robot's
/// implicit `write`, notifications), as for a repository that declares no mirror.
pub fn without_mirrors<'a>(
    desired: &'a Organization,
    limits: &ServerLimits,
    problems: &mut Vec<Problem>,
) -> Cow<'a, Organization> {
    let Some(lack) = limits.lacks.get(&Feature::RepoMirror) else {
        return Cow::Borrowed(desired);
    };
    let mirrored: Vec<&String> = desired
        .repositories
        .iter()
        .filter(|(_, repository)| repository.mirror.is_some())
        .map(|(name, _)| name)
        .collect();
    if mirrored.is_empty() {
        return Cow::Borrowed(desired);
    }
    let mut stripped = desired.clone();
    for name in mirrored {
        problems.push(mirror_problem(lack, name, "mirror"));
        if let Some(repository) = stripped.repositories.get_mut(name) {
            repository.mirror = None;
            repository.state = RepoState::Normal;
        }
    }
    Cow::Owned(stripped)
}

/// Leaves out the mirror-phase changes an endpoint without mirroring cannot take (the state
/// route is absent too: a repository left in state `MIRROR` cannot go back to `NORMAL`), with
/// a problem for each repository not reported yet.
pub(super) fn drop_mirror_changes(
    limits: &ServerLimits,
    changes: &mut Vec<super::Change>,
    problems: &mut Vec<Problem>,
) {
    let Some(lack) = limits.lacks.get(&Feature::RepoMirror) else {
        return;
    };
    let mut dropped = BTreeSet::new();
    changes.retain(|change| {
        let mirror_phase = change.op.phase() == super::Phase::Mirrors;
        if mirror_phase {
            if let ObjectRef::Repository(name) = change.op.object() {
                dropped.insert(name);
            }
        }
        !mirror_phase
    });
    for repository in dropped {
        let reported = problems.iter().any(|p| {
            matches!(&p.kind, ProblemKind::FeatureMissing {
                feature: Feature::RepoMirror,
                object: ObjectRef::Repository(r),
                ..
            } if *r == repository)
        });
        if !reported {
            problems.push(mirror_problem(lack, &repository, "state"));
        }
    }
}

/// Leaves out the mirror-phase changes of the repositories whose declared mirror has an
/// architecture filter the endpoint cannot take (Quay before 3.17, or without
/// `FEATURE_SPARSE_INDEX`), with a problem for each. The mirror stays in what is planned
/// against, so nothing else of the repository changes because of it (an existing mirror is
/// neither disabled nor left to mirror every architecture).
pub(super) fn drop_filtered_mirror_changes(
    desired: &Organization,
    limits: &ServerLimits,
    changes: &mut Vec<super::Change>,
    problems: &mut Vec<Problem>,
) {
    let Some(lack) = limits.lacks.get(&Feature::SparseIndex) else {
        return;
    };
    let filtered: BTreeSet<&String> = desired
        .repositories
        .iter()
        .filter(|(_, repository)| {
            repository
                .mirror
                .as_ref()
                .and_then(|m| m.options.architectures.as_ref())
                .is_some_and(|list| !list.is_empty())
        })
        .map(|(name, _)| name)
        .collect();
    if filtered.is_empty() {
        return;
    }
    changes.retain(|change| {
        let ObjectRef::Repository(name) = change.op.object() else {
            return true;
        };
        change.op.phase() != super::Phase::Mirrors || !filtered.contains(&name)
    });
    for repository in filtered {
        problems.push(Problem::new(ProblemKind::FeatureMissing {
            feature: Feature::SparseIndex,
            lack: lack.clone(),
            object: ObjectRef::Repository(repository.clone()),
            field: "architecture_filter",
        }));
    }
}

fn mirror_problem(lack: &Lack, repository: &str, field: &'static str) -> Problem {
    Problem::new(ProblemKind::FeatureMissing {
        feature: Feature::RepoMirror,
        lack: lack.clone(),
        object: ObjectRef::Repository(repository.to_string()),
        field,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        let known = ["alice", "bob", "carol"];
        assert_eq!(did_you_mean("alcie", known), Some("alice".into()));
        assert_eq!(did_you_mean("bobb", known), Some("bob".into()));
        assert_eq!(did_you_mean("zed", known), None);
        assert_eq!(did_you_mean("alice", ["alice"]), None, "never itself");
    }
}
