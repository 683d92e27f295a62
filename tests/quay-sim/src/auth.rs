//! Who is asking and what they may do: Quay's permission checks with each role capped by the
//! token's scopes (quay-api.md §1.5, §1.6; `auth/permissions.py`, `auth/scopes.py`).
//! `FEATURE_SUPERUSERS_FULL_ACCESS` is off (Quay's default), so a superuser acts inside an
//! organization only as far as its own team memberships allow.

use std::collections::BTreeSet;

use crate::config::Scope;
use crate::model::{RepoRole, State, TeamRole};

/// The authenticated user behind a valid token. An unknown token yields no `Caller`
/// (anonymous), exactly as Quay falls back to anonymous for a bad OAuth token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub scopes: BTreeSet<Scope>,
    pub superuser: bool,
}

impl Caller {
    pub fn from_token(state: &State, token: Option<&str>) -> Option<Caller> {
        let spec = state.token(token?)?;
        Some(Caller {
            user: spec.user.clone(),
            scopes: spec.scopes.clone(),
            superuser: state.is_superuser(&spec.user),
        })
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Superuser permission: a superuser whose token carries `super:user`.
    pub fn is_super(&self) -> bool {
        self.superuser && self.has(Scope::SuperUser)
    }

    /// The highest org/team role this token lets its user exercise.
    fn org_cap(&self) -> Option<TeamRole> {
        if self.has(Scope::OrgAdmin) {
            Some(TeamRole::Admin)
        } else if self.has(Scope::RepoCreate) {
            Some(TeamRole::Creator)
        } else {
            None
        }
    }

    fn repo_cap(&self) -> Option<RepoRole> {
        if self.has(Scope::RepoAdmin) {
            Some(RepoRole::Admin)
        } else if self.has(Scope::RepoWrite) {
            Some(RepoRole::Write)
        } else if self.has(Scope::RepoRead) {
            Some(RepoRole::Read)
        } else {
            None
        }
    }

    /// The caller's org role after the scope cap.
    pub fn org_role(&self, state: &State, org: &str) -> Option<TeamRole> {
        let role = state.organizations.get(org)?.role_of(&self.user)?;
        Some(role.min(self.org_cap()?))
    }

    /// `AdministerOrganizationPermission`.
    pub fn is_org_admin(&self, state: &State, org: &str) -> bool {
        self.org_role(state, org) == Some(TeamRole::Admin)
    }

    /// `OrganizationMemberPermission`.
    pub fn is_org_member(&self, state: &State, org: &str) -> bool {
        self.org_role(state, org).is_some()
    }

    /// `CreateRepositoryPermission`.
    pub fn can_create_repo(&self, state: &State, org: &str) -> bool {
        self.org_role(state, org)
            .is_some_and(|role| role >= TeamRole::Creator)
    }

    /// The caller's role on a repository name (which need not exist), after the scope cap.
    pub fn repo_role(&self, state: &State, org: &str, repo: &str) -> Option<RepoRole> {
        let role = uncapped_repo_role(state, org, repo, &self.user)?;
        Some(role.min(self.repo_cap()?))
    }

    pub fn can_write_repo(&self, state: &State, org: &str, repo: &str) -> bool {
        self.repo_role(state, org, repo)
            .is_some_and(|role| role >= RepoRole::Write)
    }

    pub fn can_admin_repo(&self, state: &State, org: &str, repo: &str) -> bool {
        self.repo_role(state, org, repo) == Some(RepoRole::Admin)
    }
}

/// A user's role on a repository: org admins have admin on every name in the org; otherwise
/// the strongest of the direct permission and the permissions of the user's teams.
pub fn uncapped_repo_role(state: &State, org: &str, repo: &str, user: &str) -> Option<RepoRole> {
    let organization = state.organizations.get(org)?;
    if organization.role_of(user) == Some(TeamRole::Admin) {
        return Some(RepoRole::Admin);
    }
    let repository = organization.repositories.get(repo)?;
    let direct = repository.user_permissions.get(user).copied();
    let via_teams = organization
        .teams_of(user)
        .filter_map(|(name, _)| repository.team_permissions.get(name).copied())
        .max();
    direct.max(via_teams)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, TokenSpec};

    fn state_with(scopes: &[Scope]) -> (State, Caller) {
        let config = Config {
            tokens: vec![TokenSpec::new("t", "alice", scopes.iter().copied())],
            ..Config::default()
        };
        let mut state = State::new(&config);
        state.insert_organization("org", None, "alice");
        state.insert_repository("org", "repo", false, None, Some("alice"));
        let caller = Caller::from_token(&state, Some("t")).unwrap();
        (state, caller)
    }

    #[test]
    fn owner_needs_org_admin_scope_for_org_work() {
        let (state, caller) = state_with(&[Scope::RepoAdmin]);
        assert!(!caller.is_org_admin(&state, "org"));
        assert!(!caller.is_org_member(&state, "org"));
        assert!(caller.can_admin_repo(&state, "org", "repo"));
        let (state, caller) = state_with(&[Scope::RepoCreate]);
        assert!(caller.is_org_member(&state, "org"));
        assert!(caller.can_create_repo(&state, "org"));
        assert!(!caller.is_org_admin(&state, "org"));
    }

    #[test]
    fn repo_role_capped_by_scope() {
        let (state, caller) = state_with(&[Scope::RepoRead]);
        assert_eq!(
            caller.repo_role(&state, "org", "repo"),
            Some(RepoRole::Read)
        );
        assert!(!caller.can_write_repo(&state, "org", "repo"));
        // Org admins hold admin on names that do not exist yet.
        let (state, caller) = state_with(&[Scope::RepoAdmin]);
        assert!(caller.can_admin_repo(&state, "org", "missing"));
        assert!(Caller::from_token(&state, Some("nope")).is_none());
    }
}
