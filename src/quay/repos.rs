//! Repositories: `/api/v1/repository…`. The wire types stay in this module: callers see
//! [`Repository`]s. A state this mqc does not know is kept as [`RepoState::Other`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::pages::Page;
use super::paths;
use crate::model::{Permissions, RepoState, Repository, Visibility};

/// A repository as Quay shows it (only what mqc uses): one entry of
/// `GET /api/v1/repository?namespace=…`, or the answer of `GET /api/v1/repository/{org}/{repo}`
/// — both carry these fields under the same names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct RepoView {
    namespace: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_public: bool,
    /// Read as text by the model (any state, known or not).
    #[serde(default)]
    state: Option<RepoState>,
}

impl RepoView {
    /// The model's repository, with only what this answer shows: no permissions, mirror or
    /// notifications.
    fn repository(&self) -> Repository {
        Repository {
            description: self.description.clone().unwrap_or_default(),
            visibility: if self.is_public {
                Visibility::Public
            } else {
                Visibility::Private
            },
            permissions: Permissions::default(),
            mirror: None,
            notifications: None,
            state: self.state.clone().unwrap_or(RepoState::Normal),
            declared_state: None,
        }
    }
}

/// The repositories of `org` in a listing, by name.
fn repositories_from_list(org: &str, list: &[RepoView]) -> BTreeMap<String, Repository> {
    list.iter()
        .filter(|repo| repo.namespace == org)
        .map(|repo| (repo.name.clone(), repo.repository()))
        .collect()
}

#[derive(Deserialize)]
struct RepoPage {
    #[serde(default)]
    repositories: Vec<RepoView>,
    #[serde(default)]
    next_page: Option<String>,
}

impl Page for RepoPage {
    type Item = RepoView;
    fn into_parts(self) -> (Vec<RepoView>, Option<String>) {
        (self.repositories, self.next_page)
    }
}

#[derive(Serialize)]
struct CreateRepo<'a> {
    namespace: &'a str,
    repository: &'a str,
    visibility: Visibility,
    description: &'a str,
    repo_kind: &'static str,
}

#[derive(Serialize)]
struct SetDescription<'a> {
    description: &'a str,
}

#[derive(Serialize)]
struct SetVisibility {
    visibility: Visibility,
}

#[derive(Serialize)]
struct SetState<'a> {
    state: &'a RepoState,
}

pub struct Repos<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn repos<'c>(&'c self, org: &'c str) -> Repos<'c> {
        Repos { client: self, org }
    }
}

impl Repos<'_> {
    /// Whether a create failed because the repository exists.
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("Repository already exists")
    }

    /// Every repository of the organization, page by page (100 per page). Stops when Quay
    /// gives no `next_page`, and also when a page repeats: Quay silently restarts at page 1
    /// when it cannot decrypt a page token (quay-api.md §1.7).
    /// Keyed by repository name (only those of this namespace).
    pub async fn list(&self) -> Result<BTreeMap<String, Repository>, QuayError> {
        let first = || Call::get("/api/v1/repository".into()).query("namespace", self.org);
        let list = self
            .client
            .all_pages::<RepoPage>(first, |repo| &repo.name)
            .await?;
        Ok(repositories_from_list(self.org, &list))
    }

    /// `None` when the repository does not exist.
    pub async fn get(&self, repo: &str) -> Result<Option<Repository>, QuayError> {
        let call = Call::get(paths::repo(self.org, repo)).query("includeTags", "false");
        match self.client.send(call).await {
            Ok(answer) => answer
                .json::<RepoView>()
                .map(|view| Some(view.repository())),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// `POST /api/v1/repository` (not repeatable: two creates can both succeed in Quay).
    pub async fn create(
        &self,
        repo: &str,
        visibility: Visibility,
        description: &str,
    ) -> Result<(), QuayError> {
        let body = CreateRepo {
            namespace: self.org,
            repository: repo,
            visibility,
            description,
            repo_kind: "image",
        };
        self.client
            .send(Call::post("/api/v1/repository".into()).json(&body))
            .await
            .map(drop)
    }

    pub async fn set_description(&self, repo: &str, description: &str) -> Result<(), QuayError> {
        let call = Call::put(paths::repo(self.org, repo)).json(&SetDescription { description });
        self.client.send(call).await.map(drop)
    }

    /// `POST …/changevisibility`: a POST, but setting a visibility twice is harmless.
    pub async fn change_visibility(
        &self,
        repo: &str,
        visibility: Visibility,
    ) -> Result<(), QuayError> {
        let call = Call::post(format!("{}/changevisibility", paths::repo(self.org, repo)))
            .json(&SetVisibility { visibility })
            .idempotent(true);
        self.client.send(call).await.map(drop)
    }

    pub async fn change_state(&self, repo: &str, state: &RepoState) -> Result<(), QuayError> {
        let call = Call::put(format!("{}/changestate", paths::repo(self.org, repo)))
            .json(&SetState { state });
        self.client.send(call).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_is_what_quay_documents() {
        let body = serde_json::to_value(CreateRepo {
            namespace: "exampleorg",
            repository: "nested/demorepo",
            visibility: Visibility::Private,
            description: "Demo",
            repo_kind: "image",
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"namespace": "exampleorg", "repository": "nested/demorepo",
                               "visibility": "private", "description": "Demo", "repo_kind": "image"})
        );
        assert_eq!(
            serde_json::to_value(SetState {
                state: &RepoState::Mirror
            })
            .unwrap(),
            serde_json::json!({"state": "MIRROR"})
        );
    }

    #[test]
    fn list_page_with_null_description() {
        let page: RepoPage = serde_json::from_str(
            r#"{"repositories": [{"namespace": "o", "name": "a", "description": null, "is_public": true, "kind": "image", "state": "MIRROR", "is_starred": false}], "next_page": "tok"}"#,
        )
        .unwrap();
        assert_eq!(page.repositories[0].description, None);
        assert_eq!(page.repositories[0].state, Some(RepoState::Mirror));
        assert_eq!(page.next_page.as_deref(), Some("tok"));
    }

    #[test]
    fn repository_list_maps_visibility_description_and_state() {
        let list: Vec<RepoView> = serde_json::from_str(
            r#"[{"namespace": "o", "name": "nested/demorepo", "description": null, "is_public": false, "kind": "image", "state": "MIRROR"},
                {"namespace": "o", "name": "app", "description": "App", "is_public": true, "kind": "image", "state": "NORMAL"}]"#,
        )
        .unwrap();
        let repos = repositories_from_list("o", &list);
        let nested = &repos["nested/demorepo"];
        assert_eq!(nested.description, "");
        assert_eq!(nested.visibility, Visibility::Private);
        assert_eq!(nested.state, RepoState::Mirror);
        assert_eq!(nested.permissions, Permissions::default());
        assert_eq!(repos["app"].visibility, Visibility::Public);
    }
}
