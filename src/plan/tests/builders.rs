//! Small builders for model values, so each test states only what it is about.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    Endpoint, Mirror, Notification, NotificationEvent, Organization, Permissions, Proxy, RepoState,
    Repository, Robot, Role, Team, TeamMembers, TeamRole, Visibility,
};
use crate::plan::PermissionOp;
use crate::plan::{plan_target, Change, Grantee, Op, Phase, PlanOptions, Target, TargetPlan};

pub const ORG: &str = "exampleorg";
/// The user the test token belongs to.
pub const ME: &str = "mqc";

pub fn target() -> Target {
    Target {
        endpoint: Endpoint::parse("quay.example.com").unwrap(),
        organization: ORG.to_string(),
    }
}

pub fn options() -> PlanOptions {
    PlanOptions {
        token_user: Some(ME.to_string()),
        ..PlanOptions::default()
    }
}

pub fn diff(desired: &Organization, actual: Option<&Organization>) -> TargetPlan {
    diff_with(desired, actual, &options())
}

pub fn diff_with(
    desired: &Organization,
    actual: Option<&Organization>,
    options: &PlanOptions,
) -> TargetPlan {
    plan_target(target(), desired, actual, options)
}

pub fn ops(plan: &TargetPlan) -> Vec<Op> {
    plan.changes.iter().map(|c| c.op.clone()).collect()
}

pub fn phased(plan: &TargetPlan) -> Vec<(Phase, Op)> {
    plan.changes
        .iter()
        .map(|Change { phase, op, .. }| (*phase, op.clone()))
        .collect()
}

/// An empty organization (desired side: nothing managed beyond its existence).
pub fn org() -> Organization {
    Organization {
        name: ORG.to_string(),
        ..Organization::default()
    }
}

/// An organization as Quay holds it right after creation: with its `owners` team.
pub fn quay_org() -> Organization {
    org().team(
        "owners",
        team(TeamRole::Admin).members(&[ME], &[]).description(""),
    )
}

pub trait OrgBuilder: Sized {
    fn email(self, email: &str) -> Self;
    fn robot(self, name: &str, description: &str) -> Self;
    fn team(self, name: &str, team: Team) -> Self;
    fn repo(self, name: &str, repository: Repository) -> Self;
}

impl OrgBuilder for Organization {
    fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_string());
        self
    }
    fn robot(mut self, name: &str, description: &str) -> Self {
        self.robots.insert(
            name.to_string(),
            Robot {
                description: description.to_string(),
            },
        );
        self
    }
    fn team(mut self, name: &str, team: Team) -> Self {
        self.teams.insert(name.to_string(), team);
        self
    }
    fn repo(mut self, name: &str, repository: Repository) -> Self {
        self.repositories.insert(name.to_string(), repository);
        self
    }
}

/// A team with no description, members not declared, not synced.
pub fn team(role: TeamRole) -> Team {
    Team {
        role,
        description: String::new(),
        members: None,
        sync: None,
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

pub trait TeamBuilder: Sized {
    fn description(self, description: &str) -> Self;
    fn members(self, users: &[&str], robots: &[&str]) -> Self;
    fn invited(self, users: &[&str]) -> Self;
    fn group(self, group_dn: &str) -> Self;
    fn oidc_group(self, group_name: &str) -> Self;
}

impl TeamBuilder for Team {
    fn description(mut self, description: &str) -> Self {
        self.description = description.to_string();
        self
    }
    fn members(mut self, users: &[&str], robots: &[&str]) -> Self {
        let members = self.members.get_or_insert_with(TeamMembers::default);
        members.users = set(users);
        members.robots = set(robots);
        self
    }
    fn invited(mut self, users: &[&str]) -> Self {
        let members = self.members.get_or_insert_with(TeamMembers::default);
        members.invited_users = set(users);
        self
    }
    fn group(mut self, group_dn: &str) -> Self {
        self.sync = Some(crate::model::TeamSync::Ldap {
            group_dn: group_dn.to_string(),
        });
        self
    }
    fn oidc_group(mut self, group_name: &str) -> Self {
        self.sync = Some(crate::model::TeamSync::Oidc {
            group_name: group_name.to_string(),
        });
        self
    }
}

/// A public repository without description, permissions not declared.
pub fn repo() -> Repository {
    Repository {
        description: String::new(),
        visibility: Visibility::Public,
        permissions: Permissions::default(),
        mirror: None,
        notifications: None,
        state: RepoState::Normal,
        declared_state: None,
    }
}

/// A repository as the state reader returns it: every permission kind read (empty).
pub fn quay_repo() -> Repository {
    repo().users(&[]).robots(&[]).teams(&[])
}

fn roles(entries: &[(&str, Role)]) -> Option<BTreeMap<String, Role>> {
    Some(entries.iter().map(|(n, r)| (n.to_string(), *r)).collect())
}

pub trait RepoBuilder: Sized {
    fn description(self, description: &str) -> Self;
    fn visibility(self, visibility: Visibility) -> Self;
    fn users(self, entries: &[(&str, Role)]) -> Self;
    fn robots(self, entries: &[(&str, Role)]) -> Self;
    fn teams(self, entries: &[(&str, Role)]) -> Self;
    fn mirror(self, mirror: Mirror) -> Self;
    fn state(self, state: RepoState) -> Self;
    fn notification(self, notification: Notification) -> Self;
    /// Declares exactly these notifications (`[]`: none).
    fn notifications(self, list: Vec<Notification>) -> Self;
}

impl RepoBuilder for Repository {
    fn description(mut self, description: &str) -> Self {
        self.description = description.to_string();
        self
    }
    fn visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility;
        self
    }
    fn users(mut self, entries: &[(&str, Role)]) -> Self {
        self.permissions.users = roles(entries);
        self
    }
    fn robots(mut self, entries: &[(&str, Role)]) -> Self {
        self.permissions.robots = roles(entries);
        self
    }
    fn teams(mut self, entries: &[(&str, Role)]) -> Self {
        self.permissions.teams = roles(entries);
        self
    }
    fn mirror(mut self, mirror: Mirror) -> Self {
        self.mirror = Some(mirror);
        self
    }
    fn state(mut self, state: RepoState) -> Self {
        self.state = state;
        self
    }
    fn notifications(mut self, list: Vec<Notification>) -> Self {
        self.notifications = Some(list);
        self
    }
    fn notification(mut self, notification: Notification) -> Self {
        self.notifications
            .get_or_insert_with(Vec::new)
            .push(notification);
        self
    }
}

/// An enabled mirror of `registry.example.com/upstream/demo`, tag `latest`, daily.
pub fn mirror(robot: &str) -> Mirror {
    Mirror {
        external_reference: "registry.example.com/upstream/demo".to_string(),
        tags: vec!["latest".to_string()],
        username: None,
        verify_tls: true,
        unsigned_images: false,
        robot: robot.to_string(),
        sync_interval: 86_400,
        is_enabled: true,
        proxy: Proxy::default(),
        options: crate::model::MirrorOptions::default(),
    }
}

/// A mirror-failure webhook as declared (no uuid).
pub fn webhook(url: &str) -> Notification {
    Notification::webhook(NotificationEvent::RepoMirrorSyncFailed, url)
}

/// The same webhook as Quay returns it.
pub fn stored(notification: Notification, uuid: &str) -> Notification {
    Notification {
        uuid: Some(uuid.to_string()),
        ..notification
    }
}

/// Grant `role` to `grantee` on `repository` (`from`: the role it replaces, if any).
pub fn grant(repository: &str, grantee: Grantee, role: Role, from: Option<Role>) -> Op {
    Op::Permission(PermissionOp::SetPermission {
        repository: repository.into(),
        grantee,
        role,
        from,
    })
}

pub fn revoke(repository: &str, grantee: Grantee, role: Role) -> Op {
    Op::Permission(PermissionOp::RevokePermission {
        repository: repository.into(),
        grantee,
        role,
    })
}

pub fn user(name: &str) -> Grantee {
    Grantee::User(name.into())
}
