//! The plan: what must change on each target so that it matches the organization files.
//!
//! Planning is a pure function of the desired and the actual [`Organization`]
//! (`diff::plan_target`); it does no I/O, so every branch is unit-tested. A plan is a list of
//! typed [`Change`]s per [`Target`], each in a [`Phase`]; `apply` runs them phase by phase.

mod diff;
pub mod kinds;
mod lists;
mod problems;
pub mod quay_effects;
mod safety;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

use serde::Serialize;

use crate::model::{Endpoint, Organization};

pub use diff::{plan_target, robots_the_file_keeps};
pub use kinds::{
    AutoPruneOp, DefaultPermissionOp, Detail, ImmutabilityOp, KindOp, MemberOp, MirrorOp,
    NotificationOp, Op, OrganizationOp, PermissionOp, RepositoryOp, RobotOp, TeamOp, TeamSyncOp,
};
pub use kinds::{FederationOp, QuotaOp, TagExpirationOp};
pub use lists::{ListEntry, ListKind, ListRef};
pub use problems::{
    users_to_check, Feature, Lack, NotificationNeed, Problem, ProblemKind, ServerLimits,
};
pub use safety::{
    allowed_removals, check_safety, Excess, GuardedKind, SafetyViolation, OVERRIDE_FLAG,
};

/// `desired` without the mirrors the endpoint cannot have: what the state reader needs to
/// read (no mirror configuration is read where mirroring is off).
pub fn without_unavailable_mirrors<'a>(
    desired: &'a Organization,
    limits: &ServerLimits,
) -> std::borrow::Cow<'a, Organization> {
    problems::without_mirrors(desired, limits, &mut Vec::new())
}

/// One organization on one endpoint: the unit mqc reads, plans and applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Target {
    pub endpoint: Endpoint,
    pub organization: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.organization, self.endpoint)
    }
}

/// The seed's phases, in the order they run. Inside a phase, changes of every target run
/// concurrently; a phase starts only when the previous one has finished everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Organizations,
    Robots,
    Teams,
    TeamMembers,
    TeamSync,
    DefaultPermissions,
    Quotas,
    Repositories,
    Permissions,
    Mirrors,
    Notifications,
    /// After the repositories: repository policies need their repository.
    AutoPrune,
    Immutability,
}

impl Phase {
    pub const ALL: [Phase; 13] = [
        Phase::Organizations,
        Phase::Robots,
        Phase::Teams,
        Phase::TeamMembers,
        Phase::TeamSync,
        Phase::DefaultPermissions,
        Phase::Quotas,
        Phase::Repositories,
        Phase::Permissions,
        Phase::Mirrors,
        Phase::Notifications,
        Phase::AutoPrune,
        Phase::Immutability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Organizations => "organizations",
            Phase::Robots => "robots",
            Phase::Teams => "teams",
            Phase::TeamMembers => "team members",
            Phase::TeamSync => "team sync",
            Phase::DefaultPermissions => "default permissions",
            Phase::Quotas => "quotas",
            Phase::Repositories => "repositories",
            Phase::Permissions => "permissions",
            Phase::Mirrors => "mirrors",
            Phase::Notifications => "notifications",
            Phase::AutoPrune => "auto-prune policies",
            Phase::Immutability => "immutability policies",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A team member or the holder of a repository permission.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Member {
    User(String),
    /// Robot short name.
    Robot(String),
}

impl Member {
    /// `user alice` or `robot org+ci`, for messages.
    pub fn describe(&self, organization: &str) -> String {
        match self {
            Member::User(name) => format!("user {name}"),
            Member::Robot(name) => format!("robot {organization}+{name}"),
        }
    }
}

/// Who a repository permission is granted to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Grantee {
    User(String),
    /// Robot short name.
    Robot(String),
    Team(String),
}

impl Grantee {
    /// `user alice`, `robot org+ci` or `team devs`, for messages.
    pub fn describe(&self, organization: &str) -> String {
        match self {
            Grantee::User(name) => format!("user {name}"),
            Grantee::Robot(name) => format!("robot {organization}+{name}"),
            Grantee::Team(name) => format!("team {name}"),
        }
    }
}

/// An object inside a target that changes can create and depend on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ObjectRef {
    Organization,
    Robot(String),
    Team(String),
    Repository(String),
}

/// Whether a change adds, modifies or removes something (drives `+ ~ -` and the counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Create,
    Update,
    Remove,
}

/// A planned change on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Usually `op.phase()`. Exception: when a team's LDAP sync ends, Quay refuses user
    /// membership changes until the sync is disabled, so the planner puts that team's user
    /// `AddTeamMember`/`RemoveTeamMember` in `TeamSync`, after its `DisableTeamSync`.
    pub phase: Phase,
    #[serde(flatten)]
    pub op: Op,
    /// The planner's word on sequencing: the change runs in one sequence with every change of
    /// its phase on the same object, not only with those of the same subject
    /// ([`Op::subject`]). Set for the member changes moved behind a `DisableTeamSync`.
    #[serde(skip)]
    pub with_whole_object: bool,
}

impl Change {
    pub fn new(op: impl Into<Op>) -> Change {
        let op = op.into();
        Change {
            phase: op.phase(),
            op,
            with_whole_object: false,
        }
    }
}

/// Something the user should know that is not a change mqc can make.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Quay cannot update a robot's description; re-creating the robot would rotate its token.
    RobotDescriptionDiffers {
        robot: String,
        desired: String,
        actual: String,
    },
    /// Exists in Quay, not in the file; removed only with `--prune`.
    Unmanaged { object: ObjectRef },
    /// A user was invited to a team and has not accepted yet; mqc does not invite again.
    InvitationPending { team: String, user: String },
    /// An `email` notification waits for its address to confirm (Quay mailed the link); mqc
    /// does not ask again, and creates the notification on a run after the confirmation.
    EmailConfirmationPending { repository: String, email: String },
    /// `--prune robots` keeps this undeclared robot: the mirror configuration of these
    /// repositories names it (enabled or not; Quay has no mirror delete and refuses to delete
    /// a robot a mirror uses).
    RobotUsedByMirror {
        robot: String,
        repositories: Vec<String>,
    },
}

/// What the planner may do beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Delete robots that the file does not declare.
    pub prune_robots: bool,
    /// Delete teams that the file does not declare (never `owners`).
    pub prune_teams: bool,
    /// Trigger a mirror sync on every mirrored repository, not only changed ones.
    pub sync_now: bool,
    /// Send the registry credentials of every declared mirror that has a username, also when
    /// nothing else changed (`ResendMirrorCredentials`).
    pub resend_mirror_credentials: bool,
    /// The user the endpoint's token belongs to. Quay grants it `admin` on every repository it
    /// creates; mqc leaves that permission alone unless the file names this user.
    pub token_user: Option<String>,
    /// What the endpoint lacks (features, users the file names): planned as [`Problem`]s.
    pub limits: ServerLimits,
}

/// The plan for one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetPlan {
    pub target: Target,
    /// Ordered by phase, then by plan order inside the phase.
    pub changes: Vec<Change>,
    pub notices: Vec<Notice>,
    /// Declared objects (and attributes) found already as declared.
    pub unchanged: usize,
    /// Plan-time errors: what the file declares that this target cannot apply (the report
    /// serializes them, each with its message).
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

impl TargetPlan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.op.kind() == kind).count()
    }

    /// True when a problem forbids every change of this target (the plan then has none).
    pub fn is_blocked(&self) -> bool {
        self.problems.iter().any(Problem::blocks_target)
    }

    pub fn unmanaged(&self) -> usize {
        self.notices
            .iter()
            .filter(|n| matches!(n, Notice::Unmanaged { .. }))
            .count()
    }
}

/// Actual state given to the planner: `None` when the organization does not exist.
pub type Actual<'a> = Option<&'a Organization>;
