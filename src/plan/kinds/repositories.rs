//! Repositories (the repository itself; permissions, mirrors and notifications are kinds of
//! their own).

use serde::Serialize;

use super::{quoted, KindOp};
use crate::model::Visibility;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RepositoryOp {
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
}

impl RepositoryOp {
    fn repository(&self) -> &str {
        match self {
            RepositoryOp::CreateRepository { repository, .. }
            | RepositoryOp::UpdateRepositoryDescription { repository, .. }
            | RepositoryOp::ChangeVisibility { repository, .. } => repository,
        }
    }
}

impl KindOp for RepositoryOp {
    fn phase(&self) -> Phase {
        Phase::Repositories
    }

    fn kind(&self) -> ChangeKind {
        match self {
            RepositoryOp::CreateRepository { .. } => ChangeKind::Create,
            _ => ChangeKind::Update,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Repository(self.repository().to_string())
    }

    fn creates(&self) -> Option<ObjectRef> {
        matches!(self, RepositoryOp::CreateRepository { .. }).then(|| self.object())
    }

    fn rank(&self) -> u8 {
        match self {
            RepositoryOp::CreateRepository { .. } => 0,
            RepositoryOp::UpdateRepositoryDescription { .. } => 1,
            RepositoryOp::ChangeVisibility { .. } => 2,
        }
    }

    fn describe(&self, org: &str) -> String {
        match self {
            RepositoryOp::CreateRepository {
                repository,
                visibility,
                ..
            } => format!("create repository {org}/{repository} ({visibility})"),
            RepositoryOp::UpdateRepositoryDescription {
                repository,
                from,
                to,
            } => format!(
                "repository {org}/{repository} description {} → {}",
                quoted(from),
                quoted(to)
            ),
            RepositoryOp::ChangeVisibility {
                repository,
                from,
                to,
            } => format!("repository {org}/{repository} visibility {from} → {to}"),
        }
    }
}
