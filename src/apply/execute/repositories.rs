//! Writes of repositories (the repository itself).

use super::{create_once, Context};
use crate::plan::RepositoryOp;
use crate::quay::{QuayError, Repos};

pub(super) async fn execute(cx: &Context<'_>, op: &RepositoryOp) -> Result<(), QuayError> {
    let repos = cx.client.repos(cx.org);
    match op {
        RepositoryOp::CreateRepository {
            repository,
            description,
            visibility,
        } => {
            create_once(
                || repos.create(repository, *visibility, description),
                || async { Ok(repos.get(repository).await?.is_some()) },
                Repos::is_duplicate,
            )
            .await
        }
        RepositoryOp::UpdateRepositoryDescription { repository, to, .. } => {
            repos.set_description(repository, to).await
        }
        RepositoryOp::ChangeVisibility { repository, to, .. } => {
            repos.change_visibility(repository, *to).await
        }
    }
}
