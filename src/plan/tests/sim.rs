//! A tiny simulated Quay, test code only: applies a plan to an actual organization the way
//! Quay would — side effects included (the creator's `owners` membership and repository
//! `admin`, the mirror robot's `write` (unless a team gives it `write` or `admin`), `MIRROR` state on mirror creation, invitations with
//! mailing on, memberships and permissions dropped with their robot or team) — and refuses what
//! Quay refuses, plus anything a correct plan never asks for (creating what exists, removing
//! what is absent, a `from` that is not the current value). A refusal fails the property.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use crate::model::{
    DefaultPermission, Notification, Organization, RepoState, Repository, Robot, Role, Team,
    TeamMembers, TeamRole,
};
use crate::plan::quay_effects;
use crate::plan::{Change, Grantee, Member, ObjectRef, Op, Phase, TargetPlan};
use crate::plan::{
    DefaultPermissionOp, MemberOp, MirrorOp, NotificationOp, OrganizationOp, PermissionOp,
    RepositoryOp, RobotOp, TeamOp, TeamSyncOp,
};

pub struct SimQuay {
    /// Whose token applies the plan (gets `owners` membership and repository `admin`).
    pub token_user: Option<String>,
    /// `FEATURE_MAILING` with required invites: users in no team of the organization are
    /// invited instead of added.
    pub mailing: bool,
    /// Shuffles the objects of a phase, as the executor runs them concurrently.
    pub seed: u64,
}

impl SimQuay {
    /// Applies `plan` to `org`, phase by phase; inside a phase, each object's changes in plan
    /// order, objects in a seed-dependent order.
    pub fn apply(
        &self,
        mut org: Option<Organization>,
        plan: &TargetPlan,
    ) -> Result<Option<Organization>, String> {
        let mut next_uuid = 0;
        for change in self.schedule(&plan.changes) {
            self.apply_op(&mut org, &change.op, &mut next_uuid)
                .map_err(|e| format!("{:?} {:?}: {e}", change.phase, change.op))?;
        }
        Ok(org)
    }

    fn schedule<'a>(&self, changes: &'a [Change]) -> Vec<&'a Change> {
        let mut groups: BTreeMap<(Phase, u64, ObjectRef), Vec<&Change>> = BTreeMap::new();
        for change in changes {
            let object = change.op.object();
            let mut hasher = DefaultHasher::new();
            (self.seed, &object).hash(&mut hasher);
            groups
                .entry((change.phase, hasher.finish(), object))
                .or_default()
                .push(change);
        }
        groups.into_values().flatten().collect()
    }

    fn apply_op(
        &self,
        slot: &mut Option<Organization>,
        op: &Op,
        next_uuid: &mut usize,
    ) -> Result<(), String> {
        if let Op::Organization(OrganizationOp::CreateOrganization { email }) = op {
            if slot.is_some() {
                return Err("organization exists".into());
            }
            *slot = Some(quay_effects::organization_as_created(
                "sim",
                email.clone(),
                self.token_user.as_deref(),
            ));
            return Ok(());
        }
        let org = slot.as_mut().ok_or("organization does not exist")?;
        match op {
            Op::Organization(OrganizationOp::CreateOrganization { .. }) => unreachable!(),
            Op::Organization(OrganizationOp::UpdateOrganizationEmail { from, to }) => {
                check_from(&org.email, from)?;
                org.email = Some(to.clone());
            }
            Op::Robot(RobotOp::CreateRobot { robot, description }) => {
                if org.robots.contains_key(robot) {
                    return Err("robot exists (Quay: 400)".into());
                }
                org.robots.insert(
                    robot.clone(),
                    Robot {
                        description: description.clone(),
                    },
                );
            }
            Op::Robot(RobotOp::DeleteRobot { robot }) => {
                let used = org
                    .repositories
                    .values()
                    .any(|r| r.mirror.as_ref().is_some_and(|m| &m.robot == robot));
                if used {
                    return Err("Robot is being used by a mirror".into());
                }
                if org.robots.remove(robot).is_none() {
                    return Err("no such robot".into());
                }
                quay_effects::forget_robot(org, robot);
            }
            Op::Team(TeamOp::CreateTeam {
                team,
                role,
                description,
            }) => {
                if org.teams.contains_key(team) {
                    return Err("team exists: a correct plan updates it".into());
                }
                org.teams.insert(
                    team.clone(),
                    Team {
                        role: *role,
                        description: description.clone(),
                        members: Some(TeamMembers::default()),
                        sync: None,
                    },
                );
            }
            Op::Team(TeamOp::UpdateTeam {
                team,
                role,
                description,
                from_role,
                from_description,
            }) => {
                let t = org.teams.get_mut(team).ok_or("no such team")?;
                check_from(&t.role, from_role)?;
                check_from(&t.description, from_description)?;
                t.role = *role;
                t.description = description.clone();
            }
            Op::Team(TeamOp::DeleteTeam { team }) => {
                if team == "owners" {
                    return Err("owners cannot be deleted".into());
                }
                org.teams.remove(team).ok_or("no such team")?;
                quay_effects::forget_team(org, team);
            }
            Op::Member(MemberOp::AddTeamMember { team, member }) => {
                let in_some_team = |user: &str| {
                    org.teams
                        .values()
                        .any(|t| t.members.as_ref().is_some_and(|m| m.users.contains(user)))
                };
                let invite = match member {
                    Member::User(user) => self.mailing && !in_some_team(user),
                    Member::Robot(_) => false,
                };
                let robot_exists = match member {
                    Member::Robot(robot) => org.robots.contains_key(robot),
                    Member::User(_) => true,
                };
                if !robot_exists {
                    return Err("Unknown user (no such robot)".into());
                }
                let t = org.teams.get_mut(team).ok_or("no such team (404)")?;
                let synced = t.sync.is_some();
                let members = t.members.get_or_insert_with(TeamMembers::default);
                match member {
                    Member::Robot(robot) => {
                        if !members.robots.insert(robot.clone()) {
                            return Err("already a member".into());
                        }
                    }
                    Member::User(user) => {
                        if synced {
                            return Err("Cannot call this method on an auth-synced team".into());
                        }
                        if members.users.contains(user) {
                            return Err("already a member".into());
                        }
                        if members.invited_users.contains(user) {
                            return Err("invited twice".into());
                        }
                        if invite {
                            members.invited_users.insert(user.clone());
                        } else {
                            members.users.insert(user.clone());
                        }
                    }
                }
            }
            Op::Member(MemberOp::RemoveTeamMember { team, member }) => {
                let only_admin_team = |user: &str| {
                    let admin_teams = org.teams.iter().filter(|(_, t)| {
                        t.role == TeamRole::Admin
                            && t.members.as_ref().is_some_and(|m| m.users.contains(user))
                    });
                    admin_teams.map(|(name, _)| name).eq([team])
                };
                if let Member::User(user) = member {
                    if self.token_user.as_ref() == Some(user) && only_admin_team(user) {
                        return Err(
                            "User cannot remove themselves from their only admin team".into()
                        );
                    }
                }
                let t = org.teams.get_mut(team).ok_or("no such team (404)")?;
                let synced = t.sync.is_some();
                let members = t.members.get_or_insert_with(TeamMembers::default);
                let removed = match member {
                    Member::Robot(robot) => members.robots.remove(robot),
                    Member::User(_) if synced => {
                        return Err("Cannot call this method on an auth-synced team".into())
                    }
                    Member::User(user) => {
                        members.invited_users.remove(user) || members.users.remove(user)
                    }
                };
                if !removed {
                    return Err("does not belong to team (400)".into());
                }
            }
            Op::TeamSync(TeamSyncOp::EnableTeamSync { team, sync, .. }) => {
                let t = org.teams.get_mut(team).ok_or("no such team (404)")?;
                if t.sync.is_some() {
                    return Err("already synced (500)".into());
                }
                if matches!(sync, crate::model::TeamSync::Oidc { .. }) {
                    // Quay removes every user of the team at once (robots stay).
                    if let Some(members) = t.members.as_mut() {
                        members.users.clear();
                    }
                }
                t.sync = Some(sync.clone());
            }
            Op::TeamSync(TeamSyncOp::DisableTeamSync { team, .. }) => {
                let t = org.teams.get_mut(team).ok_or("no such team (404)")?;
                if t.sync.take().is_none() {
                    return Err("not synced: a correct plan does not disable it".into());
                }
            }
            Op::Federation(op) => {
                use crate::plan::FederationOp as F;
                match op {
                    F::SetRobotFederation { robot, to, .. } => {
                        if !org.robots.contains_key(robot) {
                            return Err("Could not find robot with specified username".into());
                        }
                        org.robot_federation.insert(robot.clone(), to.clone());
                    }
                    F::ClearRobotFederation { robot, .. } => {
                        if !org.robots.contains_key(robot) {
                            return Err("Could not find robot with specified username".into());
                        }
                        org.robot_federation.insert(robot.clone(), Vec::new());
                    }
                }
            }
            Op::DefaultPermission(op) => {
                let defaults = org.default_permissions.get_or_insert_with(Vec::new);
                match op {
                    DefaultPermissionOp::CreateDefaultPermission { permission } => {
                        *next_uuid += 1;
                        defaults.push(DefaultPermission {
                            id: Some(format!("prototype-{next_uuid}")),
                            ..permission.clone()
                        });
                    }
                    DefaultPermissionOp::SetDefaultPermissionRole { permission, role } => {
                        let found = defaults
                            .iter_mut()
                            .find(|d| d.id.is_some() && d.id == permission.id)
                            .ok_or("no such prototype (Quay: 404)")?;
                        check_from(&found.role, &permission.role)?;
                        found.role = *role;
                    }
                    DefaultPermissionOp::DeleteDefaultPermission { permission } => {
                        let before = defaults.len();
                        defaults.retain(|d| d.id.is_none() || d.id != permission.id);
                        if defaults.len() == before {
                            return Err("no such prototype (Quay: 404)".into());
                        }
                    }
                }
            }
            Op::Quota(op) => apply_quota(org, op, next_uuid)?,
            Op::TagExpiration(crate::plan::TagExpirationOp::SetTagExpiration { to, .. }) => {
                org.tag_expiration_s = Some(*to);
            }
            Op::Immutability(op) => {
                use crate::plan::ImmutabilityOp as I;
                let scope = match op.repository() {
                    None => org.immutability.organization.get_or_insert_with(Vec::new),
                    Some(r) => org
                        .immutability
                        .repositories
                        .entry(r.to_string())
                        .or_default(),
                };
                match op {
                    I::CreateImmutabilityPolicy { policy, .. } => {
                        if scope.iter().any(|p| p.tag_pattern == policy.tag_pattern) {
                            return Err("A policy with the same tag_pattern already exists".into());
                        }
                        *next_uuid += 1;
                        scope.push(crate::model::ImmutabilityPolicy {
                            uuid: Some(format!("immutability-{next_uuid}")),
                            ..policy.clone()
                        });
                    }
                    I::ReplaceImmutabilityPolicy { from, to, .. } => {
                        let found = scope
                            .iter_mut()
                            .find(|p| p.uuid.is_some() && p.uuid == from.uuid)
                            .ok_or("no such policy (Quay: 404)")?;
                        *found = crate::model::ImmutabilityPolicy {
                            uuid: from.uuid.clone(),
                            ..to.clone()
                        };
                    }
                    I::DeleteImmutabilityPolicy { policy, .. } => {
                        let before = scope.len();
                        scope.retain(|p| p.uuid.is_none() || p.uuid != policy.uuid);
                        if scope.len() == before {
                            return Err("no such policy (Quay: 404)".into());
                        }
                    }
                }
            }
            Op::AutoPrune(op) => {
                let scope = match op.repository() {
                    None => org.auto_prune.organization.get_or_insert_with(Vec::new),
                    Some(r) => org
                        .auto_prune
                        .repositories
                        .entry(r.to_string())
                        .or_default(),
                };
                match op {
                    crate::plan::AutoPruneOp::CreateAutoPrunePolicy { policy, .. } => {
                        *next_uuid += 1;
                        scope.push(crate::model::AutoPrunePolicy {
                            uuid: Some(format!("policy-{next_uuid}")),
                            ..policy.clone()
                        });
                    }
                    crate::plan::AutoPruneOp::ReplaceAutoPrunePolicy { from, to, .. } => {
                        let found = scope
                            .iter_mut()
                            .find(|p| p.uuid.is_some() && p.uuid == from.uuid)
                            .ok_or("no such policy (Quay: 404)")?;
                        *found = crate::model::AutoPrunePolicy {
                            uuid: from.uuid.clone(),
                            ..to.clone()
                        };
                    }
                    crate::plan::AutoPruneOp::DeleteAutoPrunePolicy { policy, .. } => {
                        let before = scope.len();
                        scope.retain(|p| p.uuid.is_none() || p.uuid != policy.uuid);
                        if scope.len() == before {
                            return Err("no such policy (Quay: 404)".into());
                        }
                    }
                }
            }
            Op::Repository(RepositoryOp::CreateRepository {
                repository,
                description,
                visibility,
            }) => {
                if org.repositories.contains_key(repository) {
                    return Err("Repository already exists".into());
                }
                let created = quay_effects::repository_as_created(
                    description,
                    *visibility,
                    &org.name,
                    self.token_user.as_deref(),
                    org.default_permissions.as_deref().unwrap_or_default(),
                );
                org.repositories.insert(repository.clone(), created);
            }
            Op::Repository(RepositoryOp::UpdateRepositoryDescription {
                repository,
                from,
                to,
            }) => {
                let r = repo(org, repository)?;
                check_from(&r.description, from)?;
                r.description = to.clone();
            }
            Op::Repository(RepositoryOp::ChangeVisibility {
                repository,
                from,
                to,
            }) => {
                let r = repo(org, repository)?;
                check_from(&r.visibility, from)?;
                r.visibility = *to;
            }
            Op::Mirror(MirrorOp::SetRepositoryState {
                repository,
                from,
                to,
            }) => {
                let r = repo(org, repository)?;
                check_from(&r.state, from)?;
                r.state = to.clone();
            }
            Op::Permission(PermissionOp::SetPermission {
                repository,
                grantee,
                role,
                from,
            }) => {
                match grantee {
                    Grantee::Robot(robot) if !org.robots.contains_key(robot) => {
                        return Err("Invalid username (no such robot)".into())
                    }
                    Grantee::Team(team) if !org.teams.contains_key(team) => {
                        return Err("No team in organization".into())
                    }
                    _ => {}
                }
                let map = permission_map(repo(org, repository)?, grantee);
                let name = grantee_name(grantee);
                check_from(&map.get(name).copied(), from)?;
                map.insert(name.to_string(), *role);
            }
            Op::Permission(PermissionOp::RevokePermission {
                repository,
                grantee,
                role,
            }) => {
                let map = permission_map(repo(org, repository)?, grantee);
                match map.remove(grantee_name(grantee)) {
                    Some(current) => check_from(&current, role)?,
                    None => return Err("does not have permission for repo (400)".into()),
                }
            }
            Op::Mirror(MirrorOp::CreateMirror { repository, mirror }) => {
                if !org.robots.contains_key(&mirror.robot) {
                    return Err("Could not find robot with specified username".into());
                }
                let r = repo(org, repository)?;
                if r.mirror.is_some() {
                    return Err("Mirror configuration already exits (409)".into());
                }
                r.mirror = Some((**mirror).clone());
                r.state = RepoState::Mirror;
                grant_mirror_write(org, repository, &mirror.robot);
            }
            Op::Mirror(MirrorOp::UpdateMirror {
                repository,
                from,
                to,
            }) => {
                if !org.robots.contains_key(&to.robot) {
                    return Err("Could not find robot with specified username".into());
                }
                let r = repo(org, repository)?;
                let current = r.mirror.as_mut().ok_or("no mirror config (404)")?;
                check_from(current, from.as_ref())?;
                *current = to.as_ref().clone();
                if to.robot != from.robot {
                    grant_mirror_write(org, repository, &to.robot);
                }
            }
            Op::Mirror(MirrorOp::SyncMirrorNow { repository }) => {
                let r = repo(org, repository)?;
                match &r.mirror {
                    Some(m) if m.is_enabled => {}
                    _ => return Err("no enabled mirror to sync".into()),
                }
            }
            Op::Mirror(MirrorOp::ResendMirrorCredentials { repository, .. }) => {
                if repo(org, repository)?.mirror.is_none() {
                    return Err("no mirror config (404)".into());
                }
            }
            Op::Notification(NotificationOp::CreateNotification {
                repository,
                notification,
            }) => {
                if notification.uuid.is_some() {
                    return Err("a new notification carries no uuid".into());
                }
                let stored = stored_notification(notification, next_uuid);
                repo(org, repository)?
                    .notifications
                    .get_or_insert_with(Vec::new)
                    .push(stored);
            }
            Op::Notification(NotificationOp::DeleteNotification {
                repository,
                notification,
            }) => {
                let list = repo(org, repository)?
                    .notifications
                    .get_or_insert_with(Vec::new);
                list.remove(notification_at(list, notification)?);
            }
            Op::Notification(NotificationOp::ReplaceNotification {
                repository,
                old,
                new,
            }) => {
                let list = repo(org, repository)?
                    .notifications
                    .get_or_insert_with(Vec::new);
                list.remove(notification_at(list, old)?);
                list.push(stored_notification(new, next_uuid));
            }
            Op::Notification(NotificationOp::ReenableNotification {
                repository,
                notification,
            }) => {
                let list = repo(org, repository)?
                    .notifications
                    .get_or_insert_with(Vec::new);
                let at = notification_at(list, notification)?;
                list[at].failures = 0;
            }
            Op::Notification(NotificationOp::AuthorizeNotificationEmail { .. }) => {}
        }
        Ok(())
    }
}

/// Where `list` holds the notification Quay knows by `wanted`'s uuid (Quay answers 400 for
/// an unknown one).
fn notification_at(list: &[Notification], wanted: &Notification) -> Result<usize, String> {
    list.iter()
        .position(|n| n.uuid.is_some() && n.uuid == wanted.uuid)
        .ok_or_else(|| "No repository notification found (400)".to_string())
}

/// `notification` as Quay stores a new one: with a fresh uuid.
fn stored_notification(notification: &Notification, next_uuid: &mut usize) -> Notification {
    *next_uuid += 1;
    Notification {
        uuid: Some(format!("sim-{next_uuid:04}")),
        ..notification.clone()
    }
}

fn apply_quota(
    org: &mut Organization,
    op: &crate::plan::QuotaOp,
    next_uuid: &mut usize,
) -> Result<(), String> {
    use crate::plan::QuotaOp;
    *next_uuid += 1;
    let id = *next_uuid as u64;
    match op {
        QuotaOp::CreateQuota { limit_bytes } => {
            if org.quota.is_some() {
                return Err("Organization quota already exists (400)".into());
            }
            org.quota = Some(crate::model::Quota {
                limit_bytes: *limit_bytes,
                limits: Vec::new(),
                id: Some(id),
            });
        }
        QuotaOp::ResizeQuota { from, to, .. } => {
            let quota = org.quota.as_mut().ok_or("no quota (404)")?;
            check_from(&quota.limit_bytes, from)?;
            quota.limit_bytes = *to;
        }
        QuotaOp::CreateQuotaLimit { limit, .. } => {
            let quota = org.quota.as_mut().ok_or("no quota (404)")?;
            if quota.limits.iter().any(|l| l.key() == limit.key()) {
                return Err("Quota limit already exists (400)".into());
            }
            quota.limits.push(crate::model::QuotaLimit {
                id: Some(id),
                ..limit.clone()
            });
        }
        QuotaOp::DeleteQuotaLimit { limit, .. } => {
            let quota = org.quota.as_mut().ok_or("no quota (404)")?;
            let before = quota.limits.len();
            quota.limits.retain(|l| l.id != limit.id);
            if quota.limits.len() == before {
                return Err("no such limit (404)".into());
            }
        }
    }
    Ok(())
}

fn check_from<T: PartialEq + std::fmt::Debug>(current: &T, from: &T) -> Result<(), String> {
    if current == from {
        Ok(())
    } else {
        Err(format!("plan says from {from:?}, Quay has {current:?}"))
    }
}

fn repo<'a>(org: &'a mut Organization, name: &str) -> Result<&'a mut Repository, String> {
    org.repositories
        .get_mut(name)
        .ok_or_else(|| format!("no repository {name} (404)"))
}

fn permission_map<'a>(
    repository: &'a mut Repository,
    grantee: &Grantee,
) -> &'a mut BTreeMap<String, Role> {
    let permissions = &mut repository.permissions;
    let map = match grantee {
        Grantee::User(_) => &mut permissions.users,
        Grantee::Robot(_) => &mut permissions.robots,
        Grantee::Team(_) => &mut permissions.teams,
    };
    map.get_or_insert_with(BTreeMap::new)
}

fn grantee_name(grantee: &Grantee) -> &str {
    match grantee {
        Grantee::User(name) | Grantee::Robot(name) | Grantee::Team(name) => name,
    }
}

/// Quay gives a mirror's robot `write` unless it has `write` or `admin` on the repository,
/// itself or through a team it is a member of (a `read` is raised).
fn grant_mirror_write(org: &mut Organization, repository: &str, robot: &str) {
    let Some(r) = org.repositories.get(repository) else {
        return;
    };
    let via_team = quay_effects::role_via_teams(&org.teams, r.permissions.teams.as_ref(), robot);
    let Some(r) = org.repositories.get_mut(repository) else {
        return;
    };
    let robots = r.permissions.robots.get_or_insert_with(BTreeMap::new);
    if quay_effects::mirror_grants_write(robots.get(robot).copied(), via_team) {
        robots.insert(robot.to_string(), Role::Write);
    }
}
