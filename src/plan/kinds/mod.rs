//! One module per Quay object kind: the operations the planner can plan for it, and what each
//! operation knows about itself — its phase, what it creates and needs, how it is ordered and
//! sequenced, what a failure means for the rest of the run, and how it is described.
//!
//! Adding a kind (docs/adding-a-kind.md): a module here with its op enum and its [`KindOp`]
//! implementation, and one line in the [`kinds!`] list below. Nothing else in the planner, the
//! executor's scheduler or the report matches on operations.

mod auto_prune;
mod default_permissions;
mod federation;
mod immutability;
mod members;
mod mirrors;
mod notifications;
mod organization;
mod permissions;
mod quota;
mod repositories;
mod robots;
mod tag_expiration;
mod team_sync;
mod teams;

use std::collections::BTreeSet;

use serde::Serialize;

use super::{ChangeKind, Grantee, ListEntry, ListRef, Member, ObjectRef, Phase};
use crate::model::{Delegate, Notification};
use crate::plan::GuardedKind;

pub use auto_prune::AutoPruneOp;
pub use default_permissions::DefaultPermissionOp;
pub use federation::FederationOp;
pub use immutability::ImmutabilityOp;
pub use members::MemberOp;
pub use mirrors::MirrorOp;
pub use notifications::NotificationOp;
pub use organization::OrganizationOp;
pub use permissions::PermissionOp;
pub use quota::QuotaOp;
pub use repositories::RepositoryOp;
pub use robots::RobotOp;
pub use tag_expiration::TagExpirationOp;
pub use team_sync::TeamSyncOp;
pub use teams::TeamOp;

/// What every operation of every kind tells the planner, the executor and the report.
pub trait KindOp {
    /// The phase the change runs in (the planner may move a change to a later one).
    fn phase(&self) -> Phase;

    /// Create, update or remove: the `+ ~ -` and the counts.
    fn kind(&self) -> ChangeKind;

    /// The object it acts on: it needs that object to exist, and the plan is ordered by it.
    fn object(&self) -> ObjectRef;

    /// What the change must never overlap with: changes of one phase with the same subject
    /// run one after another, in plan order. By default the whole object.
    fn subject(&self) -> Detail<'_> {
        Detail::None
    }

    /// The object this change brings into existence: when it fails, every later change that
    /// needs that object is skipped.
    fn creates(&self) -> Option<ObjectRef> {
        None
    }

    /// Objects it needs besides the organization and its own object.
    fn needs(&self, _needs: &mut BTreeSet<ObjectRef>) {}

    /// The fixed order of ops on one object (lower first).
    fn rank(&self) -> u8;

    /// What tells apart two ops of one kind on one object, for the plan's order.
    fn detail(&self) -> Detail<'_> {
        Detail::None
    }

    /// When it fails, the rest of its sequence is skipped (a mirror step after a failed one).
    fn stops_sequence_on_failure(&self) -> bool {
        false
    }

    /// The declared list it grants to or removes from (`plan::lists`).
    fn list_entry(&self) -> Option<(ListRef, ListEntry)> {
        None
    }

    /// How a grant is named when its list's removals are skipped.
    fn describe_grant(&self, _organization: &str) -> Option<String> {
        None
    }

    /// What it removes of a kind the safety threshold guards, named for the refusal message.
    fn guarded_removal(&self, _organization: &str) -> Option<(GuardedKind, String)> {
        None
    }

    /// A change Quay cannot take back (an immutability policy makes existing tags immutable):
    /// the plan marks it `!` after its symbol.
    fn one_way(&self) -> bool {
        false
    }

    /// The plan's symbol when it is not the one of its [`ChangeKind`] (`+ ~ -`): a
    /// notification replacement is `-/+` (counted as an update), a re-enable `!`.
    fn symbol(&self) -> Option<&'static str> {
        None
    }

    /// One line for the plan, without its symbol.
    fn describe(&self, organization: &str) -> String;
}

/// What tells apart two ops on one object (for order and for sequencing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail<'a> {
    None,
    Member(&'a Member),
    Grantee(&'a Grantee),
    Notification(&'a Notification),
    DefaultPermission(&'a Delegate, Option<&'a str>),
}

/// Declares the kinds: the [`Op`] enum with one variant per kind, the dispatch to each kind's
/// [`KindOp`], and `From` each kind's op. One line per kind.
macro_rules! kinds {
    ($($variant:ident($op:ty),)*) => {
        /// One write mqc will send (or one action it will trigger), of one kind.
        ///
        /// Serialized flat (`{"op": "create_robot", …}`): each kind's enum carries the tag;
        /// shown in debug output as the kind's op alone (`CreateRobot { … }`).
        #[derive(Clone, PartialEq, Eq, Serialize)]
        #[serde(untagged)]
        pub enum Op {
            $($variant($op),)*
        }

        impl Op {
            /// The kind's own view of this op.
            pub fn as_kind(&self) -> &dyn KindOp {
                match self {
                    $(Op::$variant(op) => op,)*
                }
            }
        }

        impl std::fmt::Debug for Op {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $(Op::$variant(op) => op.fmt(f),)*
                }
            }
        }

        $(impl From<$op> for Op {
            fn from(op: $op) -> Op {
                Op::$variant(op)
            }
        })*
    };
}

kinds! {
    Organization(OrganizationOp),
    Robot(RobotOp),
    Federation(FederationOp),
    Team(TeamOp),
    Member(MemberOp),
    TeamSync(TeamSyncOp),
    DefaultPermission(DefaultPermissionOp),
    Quota(QuotaOp),
    TagExpiration(TagExpirationOp),
    AutoPrune(AutoPruneOp),
    Immutability(ImmutabilityOp),
    Repository(RepositoryOp),
    Permission(PermissionOp),
    Mirror(MirrorOp),
    Notification(NotificationOp),
}

impl Op {
    pub fn phase(&self) -> Phase {
        self.as_kind().phase()
    }

    pub fn kind(&self) -> ChangeKind {
        self.as_kind().kind()
    }

    /// The object this change acts on.
    pub fn object(&self) -> ObjectRef {
        self.as_kind().object()
    }

    /// What this change must not overlap with, inside its object (see [`KindOp::subject`]).
    pub fn subject(&self) -> Detail<'_> {
        self.as_kind().subject()
    }

    /// The object this change brings into existence, if any.
    pub fn creates(&self) -> Option<ObjectRef> {
        self.as_kind().creates()
    }

    /// Objects that must exist for this change to succeed: the organization (unless the change
    /// creates it), its own object, and what its kind needs besides.
    pub fn depends_on(&self) -> BTreeSet<ObjectRef> {
        let mut deps = BTreeSet::from([ObjectRef::Organization, self.object()]);
        self.as_kind().needs(&mut deps);
        deps
    }

    pub fn rank(&self) -> u8 {
        self.as_kind().rank()
    }

    pub fn detail(&self) -> Detail<'_> {
        self.as_kind().detail()
    }

    pub fn stops_sequence_on_failure(&self) -> bool {
        self.as_kind().stops_sequence_on_failure()
    }

    /// The declared list this change adds to or removes from, if any.
    pub fn list_entry(&self) -> Option<(ListRef, ListEntry)> {
        self.as_kind().list_entry()
    }

    /// How a grant is named in the reason its list's removals were skipped.
    pub fn describe_grant(&self, organization: &str) -> Option<String> {
        self.as_kind().describe_grant(organization)
    }

    pub fn guarded_removal(&self, organization: &str) -> Option<(GuardedKind, String)> {
        self.as_kind().guarded_removal(organization)
    }

    /// One line for the plan, with its `+ ~ -` symbol (and `!` when it is one-way).
    pub fn describe(&self, organization: &str) -> String {
        let symbol = self.as_kind().symbol().unwrap_or(match self.kind() {
            ChangeKind::Create => "+",
            ChangeKind::Update => "~",
            ChangeKind::Remove => "-",
        });
        let one_way = if self.as_kind().one_way() { "!" } else { "" };
        format!(
            "{symbol}{one_way} {}",
            self.as_kind().describe(organization)
        )
    }
}

/// `"text"`, escaped: how descriptions are shown.
/// What a policy of an organization (`None`) or of one of its repositories applies to, as the
/// plan names it: `platform` or `platform/api`.
fn policy_scope(org: &str, repository: Option<&str>) -> String {
    match repository {
        None => org.to_string(),
        Some(repo) => format!("{org}/{repo}"),
    }
}

/// The object a policy of an organization (`None`) or of a repository acts on.
fn policy_object(repository: Option<&str>) -> ObjectRef {
    match repository {
        None => ObjectRef::Organization,
        Some(repo) => ObjectRef::Repository(repo.to_string()),
    }
}

pub(crate) fn quoted(text: &str) -> String {
    format!("{text:?}")
}
