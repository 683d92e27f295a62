//! The plan: what must change on each target so that it matches the organization files.
//!
//! Planning is a pure function of the desired and the actual [`Organization`]
//! (`diff::plan_target`); it does no I/O, so every branch is unit-tested. A plan is a list of
//! typed [`Change`]s per [`Target`], each in a [`Phase`]; `apply` runs them phase by phase.

mod diff;
mod lists;
mod problems;
mod safety;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::model::{
    Endpoint, Mirror, Notification, Organization, RepoState, Role, TeamRole, Visibility,
};

pub use diff::{plan_target, robots_the_file_keeps};
pub use lists::{ListEntry, ListKind, ListRef};
pub use problems::{users_to_check, Feature, Lack, Problem, ProblemKind, ServerLimits};
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
    Repositories,
    Permissions,
    Mirrors,
    Notifications,
}

impl Phase {
    pub const ALL: [Phase; 9] = [
        Phase::Organizations,
        Phase::Robots,
        Phase::Teams,
        Phase::TeamMembers,
        Phase::TeamSync,
        Phase::Repositories,
        Phase::Permissions,
        Phase::Mirrors,
        Phase::Notifications,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Organizations => "organizations",
            Phase::Robots => "robots",
            Phase::Teams => "teams",
            Phase::TeamMembers => "team members",
            Phase::TeamSync => "team sync",
            Phase::Repositories => "repositories",
            Phase::Permissions => "permissions",
            Phase::Mirrors => "mirrors",
            Phase::Notifications => "notifications",
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

/// One write mqc will send (or, for `SyncMirrorNow`, one action it will trigger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateOrganization {
        email: Option<String>,
    },
    UpdateOrganizationEmail {
        from: Option<String>,
        to: String,
    },
    CreateRobot {
        robot: String,
        description: String,
    },
    DeleteRobot {
        robot: String,
    },
    CreateTeam {
        team: String,
        role: TeamRole,
        description: String,
    },
    /// Role and/or description; Quay's team PUT sets both at once.
    UpdateTeam {
        team: String,
        role: TeamRole,
        description: String,
        from_role: TeamRole,
        from_description: String,
    },
    DeleteTeam {
        team: String,
    },
    AddTeamMember {
        team: String,
        member: Member,
    },
    RemoveTeamMember {
        team: String,
        member: Member,
    },
    /// Start synchronising the team from an LDAP group. When the team is already synced to
    /// another group, a `DisableTeamSync` for it comes first in the same phase.
    EnableTeamSync {
        team: String,
        group_dn: String,
    },
    DisableTeamSync {
        team: String,
    },
    CreateRepository {
        repository: String,
        description: String,
        visibility: Visibility,
    },
    UpdateRepositoryDescription {
        repository: String,
        from: String,
        to: String,
    },
    ChangeVisibility {
        repository: String,
        from: Visibility,
        to: Visibility,
    },
    SetRepositoryState {
        repository: String,
        from: RepoState,
        to: RepoState,
    },
    /// Grant a role, or change it (`from` is the current role, if any).
    SetPermission {
        repository: String,
        grantee: Grantee,
        role: Role,
        from: Option<Role>,
    },
    RevokePermission {
        repository: String,
        grantee: Grantee,
        role: Role,
    },
    /// Boxed, like `UpdateMirror`'s: a mirror is four times the size of any other op, and a
    /// plan for a thousand organizations holds about a hundred thousand ops.
    CreateMirror {
        repository: String,
        mirror: Box<Mirror>,
    },
    UpdateMirror {
        repository: String,
        from: Box<Mirror>,
        to: Box<Mirror>,
    },
    SyncMirrorNow {
        repository: String,
    },
    /// A mirror PUT carrying only the registry username and its password from the login file
    /// (`--resend-mirror-credentials`): Quay never shows the password, so no diff sees a
    /// rotated one. The password is not in the plan.
    ResendMirrorCredentials {
        repository: String,
        username: String,
    },
    /// Boxed for the same reason: a notification is the next largest payload.
    CreateNotification {
        repository: String,
        notification: Box<Notification>,
    },
    DeleteNotification {
        repository: String,
        notification: Box<Notification>,
    },
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
}

impl Change {
    pub fn new(op: Op) -> Change {
        Change {
            phase: op.phase(),
            op,
        }
    }
}

impl Op {
    /// The phase each kind of change runs in.
    pub fn phase(&self) -> Phase {
        match self {
            Op::CreateOrganization { .. } | Op::UpdateOrganizationEmail { .. } => {
                Phase::Organizations
            }
            Op::CreateRobot { .. } | Op::DeleteRobot { .. } => Phase::Robots,
            Op::CreateTeam { .. } | Op::UpdateTeam { .. } | Op::DeleteTeam { .. } => Phase::Teams,
            Op::AddTeamMember { .. } | Op::RemoveTeamMember { .. } => Phase::TeamMembers,
            Op::EnableTeamSync { .. } | Op::DisableTeamSync { .. } => Phase::TeamSync,
            Op::CreateRepository { .. }
            | Op::UpdateRepositoryDescription { .. }
            | Op::ChangeVisibility { .. } => Phase::Repositories,
            Op::SetPermission { .. } | Op::RevokePermission { .. } => Phase::Permissions,
            Op::SetRepositoryState { .. }
            | Op::CreateMirror { .. }
            | Op::UpdateMirror { .. }
            | Op::SyncMirrorNow { .. }
            | Op::ResendMirrorCredentials { .. } => Phase::Mirrors,
            Op::CreateNotification { .. } | Op::DeleteNotification { .. } => Phase::Notifications,
        }
    }

    pub fn kind(&self) -> ChangeKind {
        match self {
            Op::CreateOrganization { .. }
            | Op::CreateRobot { .. }
            | Op::CreateTeam { .. }
            | Op::AddTeamMember { .. }
            | Op::EnableTeamSync { .. }
            | Op::CreateRepository { .. }
            | Op::CreateMirror { .. }
            | Op::CreateNotification { .. } => ChangeKind::Create,
            Op::SetPermission { from: None, .. } => ChangeKind::Create,
            Op::UpdateOrganizationEmail { .. }
            | Op::UpdateTeam { .. }
            | Op::UpdateRepositoryDescription { .. }
            | Op::ChangeVisibility { .. }
            | Op::SetRepositoryState { .. }
            | Op::SetPermission { from: Some(_), .. }
            | Op::UpdateMirror { .. }
            | Op::SyncMirrorNow { .. }
            | Op::ResendMirrorCredentials { .. } => ChangeKind::Update,
            Op::DeleteRobot { .. }
            | Op::DeleteTeam { .. }
            | Op::RemoveTeamMember { .. }
            | Op::DisableTeamSync { .. }
            | Op::RevokePermission { .. }
            | Op::DeleteNotification { .. } => ChangeKind::Remove,
        }
    }

    /// The object this change acts on. Changes on one object run one after another, in plan
    /// order; changes on different objects of a phase run concurrently.
    pub fn object(&self) -> ObjectRef {
        match self {
            Op::CreateOrganization { .. } | Op::UpdateOrganizationEmail { .. } => {
                ObjectRef::Organization
            }
            Op::CreateRobot { robot, .. } | Op::DeleteRobot { robot } => {
                ObjectRef::Robot(robot.clone())
            }
            Op::CreateTeam { team, .. }
            | Op::UpdateTeam { team, .. }
            | Op::DeleteTeam { team }
            | Op::AddTeamMember { team, .. }
            | Op::RemoveTeamMember { team, .. }
            | Op::EnableTeamSync { team, .. }
            | Op::DisableTeamSync { team } => ObjectRef::Team(team.clone()),
            Op::CreateRepository { repository, .. }
            | Op::UpdateRepositoryDescription { repository, .. }
            | Op::ChangeVisibility { repository, .. }
            | Op::SetRepositoryState { repository, .. }
            | Op::SetPermission { repository, .. }
            | Op::RevokePermission { repository, .. }
            | Op::CreateMirror { repository, .. }
            | Op::UpdateMirror { repository, .. }
            | Op::SyncMirrorNow { repository }
            | Op::ResendMirrorCredentials { repository, .. }
            | Op::CreateNotification { repository, .. }
            | Op::DeleteNotification { repository, .. } => {
                ObjectRef::Repository(repository.clone())
            }
        }
    }

    /// The object this change brings into existence, if any: when it fails, every later change
    /// that depends on that object is skipped.
    pub fn creates(&self) -> Option<ObjectRef> {
        match self {
            Op::CreateOrganization { .. }
            | Op::CreateRobot { .. }
            | Op::CreateTeam { .. }
            | Op::CreateRepository { .. } => Some(self.object()),
            _ => None,
        }
    }

    /// Objects that must exist for this change to succeed.
    pub fn depends_on(&self) -> BTreeSet<ObjectRef> {
        let mut deps = BTreeSet::from([ObjectRef::Organization]);
        if !matches!(self, Op::CreateOrganization { .. }) {
            deps.insert(self.object());
        }
        match self {
            Op::AddTeamMember {
                member: Member::Robot(robot),
                ..
            } => {
                deps.insert(ObjectRef::Robot(robot.clone()));
            }
            Op::SetPermission { grantee, .. } => match grantee {
                Grantee::Robot(robot) => {
                    deps.insert(ObjectRef::Robot(robot.clone()));
                }
                Grantee::Team(team) => {
                    deps.insert(ObjectRef::Team(team.clone()));
                }
                Grantee::User(_) => {}
            },
            Op::CreateMirror { mirror, .. } => {
                deps.insert(ObjectRef::Robot(mirror.robot.clone()));
            }
            Op::UpdateMirror { to, .. } => {
                deps.insert(ObjectRef::Robot(to.robot.clone()));
            }
            _ => {}
        }
        deps
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
