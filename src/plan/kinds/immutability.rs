//! Immutability policies of the organization and of its repositories (Quay 3.17+). Identified
//! by pattern and flag; Quay's PUT replaces a policy. Creating or changing one is **one-way**:
//! Quay makes every matching existing tag immutable at once, and removing the policy later
//! does not make them mutable again. Such changes are marked `!` in the plan and counted by
//! the safety threshold ([`GuardedKind::ImmutableTags`]).

use serde::Serialize;

use super::KindOp;
use crate::config::kinds::immutability::describe as describe_policy;
use crate::model::ImmutabilityPolicy;
use crate::plan::{ChangeKind, GuardedKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ImmutabilityOp {
    /// `repository: None` is the organization's own list. One-way.
    CreateImmutabilityPolicy {
        repository: Option<String>,
        policy: ImmutabilityPolicy,
        one_way: bool,
    },
    /// `from` as Quay holds it (with its uuid), replaced by `to`. One-way for the tags `to`
    /// selects.
    ReplaceImmutabilityPolicy {
        repository: Option<String>,
        from: ImmutabilityPolicy,
        to: ImmutabilityPolicy,
        one_way: bool,
    },
    /// `policy` as Quay holds it. Tags it made immutable stay immutable.
    DeleteImmutabilityPolicy {
        repository: Option<String>,
        policy: ImmutabilityPolicy,
    },
}

impl ImmutabilityOp {
    pub fn repository(&self) -> Option<&str> {
        match self {
            ImmutabilityOp::CreateImmutabilityPolicy { repository, .. }
            | ImmutabilityOp::ReplaceImmutabilityPolicy { repository, .. }
            | ImmutabilityOp::DeleteImmutabilityPolicy { repository, .. } => repository.as_deref(),
        }
    }

    fn scope(&self, org: &str) -> String {
        super::policy_scope(org, self.repository())
    }
}

impl KindOp for ImmutabilityOp {
    fn phase(&self) -> Phase {
        Phase::Immutability
    }

    fn kind(&self) -> ChangeKind {
        match self {
            ImmutabilityOp::CreateImmutabilityPolicy { .. } => ChangeKind::Create,
            ImmutabilityOp::ReplaceImmutabilityPolicy { .. } => ChangeKind::Update,
            ImmutabilityOp::DeleteImmutabilityPolicy { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        super::policy_object(self.repository())
    }

    /// Removals first: Quay refuses a pattern the scope still has.
    fn rank(&self) -> u8 {
        match self {
            ImmutabilityOp::DeleteImmutabilityPolicy { .. } => 0,
            ImmutabilityOp::ReplaceImmutabilityPolicy { .. } => 1,
            ImmutabilityOp::CreateImmutabilityPolicy { .. } => 2,
        }
    }

    fn one_way(&self) -> bool {
        match self {
            ImmutabilityOp::CreateImmutabilityPolicy { one_way, .. }
            | ImmutabilityOp::ReplaceImmutabilityPolicy { one_way, .. } => *one_way,
            ImmutabilityOp::DeleteImmutabilityPolicy { .. } => false,
        }
    }

    fn guarded_removal(&self, org: &str) -> Option<(GuardedKind, String)> {
        self.one_way().then(|| {
            let policy = match self {
                ImmutabilityOp::CreateImmutabilityPolicy { policy, .. } => policy,
                ImmutabilityOp::ReplaceImmutabilityPolicy { to, .. } => to,
                ImmutabilityOp::DeleteImmutabilityPolicy { policy, .. } => policy,
            };
            (
                GuardedKind::ImmutableTags,
                format!("{} of {}", describe_policy(policy), self.scope(org)),
            )
        })
    }

    fn describe(&self, org: &str) -> String {
        let scope = self.scope(org);
        match self {
            ImmutabilityOp::CreateImmutabilityPolicy { policy, .. } => format!(
                "immutability policy of {scope}: {} become immutable, existing ones now \
                 (one-way: removing the policy does not undo it)",
                describe_policy(policy)
            ),
            ImmutabilityOp::ReplaceImmutabilityPolicy { from, to, .. } => format!(
                "immutability policy of {scope}: {} → {}; the existing ones become immutable now \
                 (one-way)",
                describe_policy(from),
                describe_policy(to)
            ),
            ImmutabilityOp::DeleteImmutabilityPolicy { policy, .. } => format!(
                "remove immutability policy of {scope}: {} (tags it made immutable stay \
                 immutable)",
                describe_policy(policy)
            ),
        }
    }
}
