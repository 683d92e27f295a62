//! Auto-prune policies of the organization and of its repositories. Identified by their whole
//! tuple (method, value, pattern, matches); Quay's PUT replaces a policy, so a changed policy
//! is one replacement, a missing one a creation, an undeclared one a removal.

use serde::Serialize;

use super::KindOp;
use crate::config::kinds::auto_prune::describe as describe_policy;
use crate::model::AutoPrunePolicy;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AutoPruneOp {
    /// `repository: None` is the organization's own list.
    CreateAutoPrunePolicy {
        repository: Option<String>,
        policy: AutoPrunePolicy,
    },
    /// `from` as Quay holds it (with its uuid), replaced by `to`.
    ReplaceAutoPrunePolicy {
        repository: Option<String>,
        from: AutoPrunePolicy,
        to: AutoPrunePolicy,
    },
    /// `policy` as Quay holds it (with its uuid).
    DeleteAutoPrunePolicy {
        repository: Option<String>,
        policy: AutoPrunePolicy,
    },
}

impl AutoPruneOp {
    pub fn repository(&self) -> Option<&str> {
        match self {
            AutoPruneOp::CreateAutoPrunePolicy { repository, .. }
            | AutoPruneOp::ReplaceAutoPrunePolicy { repository, .. }
            | AutoPruneOp::DeleteAutoPrunePolicy { repository, .. } => repository.as_deref(),
        }
    }
}

impl KindOp for AutoPruneOp {
    fn phase(&self) -> Phase {
        Phase::AutoPrune
    }

    fn kind(&self) -> ChangeKind {
        match self {
            AutoPruneOp::CreateAutoPrunePolicy { .. } => ChangeKind::Create,
            AutoPruneOp::ReplaceAutoPrunePolicy { .. } => ChangeKind::Update,
            AutoPruneOp::DeleteAutoPrunePolicy { .. } => ChangeKind::Remove,
        }
    }

    /// The organization or the repository; the changes of one run one after another (Quay
    /// 3.12 allows one policy per scope: the removal goes first).
    fn object(&self) -> ObjectRef {
        super::policy_object(self.repository())
    }

    fn rank(&self) -> u8 {
        match self {
            AutoPruneOp::DeleteAutoPrunePolicy { .. } => 0,
            AutoPruneOp::ReplaceAutoPrunePolicy { .. } => 1,
            AutoPruneOp::CreateAutoPrunePolicy { .. } => 2,
        }
    }

    fn describe(&self, org: &str) -> String {
        let scope = super::policy_scope(org, self.repository());
        match self {
            AutoPruneOp::CreateAutoPrunePolicy { policy, .. } => {
                format!("auto-prune policy of {scope}: {}", describe_policy(policy))
            }
            AutoPruneOp::ReplaceAutoPrunePolicy { from, to, .. } => format!(
                "auto-prune policy of {scope}: {} → {}",
                describe_policy(from),
                describe_policy(to)
            ),
            AutoPruneOp::DeleteAutoPrunePolicy { policy, .. } => format!(
                "remove auto-prune policy of {scope}: {}",
                describe_policy(policy)
            ),
        }
    }
}
