//! Repositories: the repository itself, its permissions and its mirror (its notifications
//! are planned in `notifications`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::Planner;
use crate::model::{Organization, Permissions, RepoState, Repository, Role};
use crate::plan::problems::{self, Feature};
use crate::plan::quay_effects;
use crate::plan::{Grantee, Notice, ObjectRef, Op, PlanOptions};
use crate::plan::{MirrorOp, PermissionOp, RepositoryOp};

/// Plans the repositories.
///
/// Rules:
/// - declared and absent → `CreateRepository` with description and visibility;
/// - present: another description → `UpdateRepositoryDescription`; another visibility →
///   `ChangeVisibility`;
/// - present but undeclared → `Notice::Unmanaged` only: `create` never deletes a repository,
///   and no option makes it.
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
) {
    for (name, want) in &desired.repositories {
        let have = match actual.repositories.get(name) {
            Some(have) => {
                attributes(planner, name, want, have);
                Cow::Borrowed(have)
            }
            None => {
                planner.push(Op::Repository(RepositoryOp::CreateRepository {
                    repository: name.clone(),
                    description: want.description.clone(),
                    visibility: want.visibility,
                }));
                Cow::Owned(repository_as_created(want, desired, actual, options))
            }
        };
        let creating = !actual.repositories.contains_key(name);
        let granted_by_mirror = mirror(planner, name, want, &have, options).filter(|robot| {
            mirror_grant(desired, actual, want, &have, robot) == MirrorGrant::Granted
        });
        let context = PermissionContext {
            repository: name,
            options,
            granted_by_mirror,
            count_unchanged: !creating,
        };
        permissions(planner, &context, want, &have.permissions);
        super::notifications::plan(
            planner,
            name,
            want.notifications.as_deref(),
            have.notifications.as_deref(),
            &options.limits,
        );
    }
    for name in actual.repositories.keys() {
        if !desired.repositories.contains_key(name) {
            planner.notice(Notice::Unmanaged {
                object: ObjectRef::Repository(name.clone()),
            });
        }
    }
}

fn attributes(planner: &mut Planner, name: &str, want: &Repository, have: &Repository) {
    let mut same = true;
    if want.description != have.description {
        same = false;
        planner.push(Op::Repository(RepositoryOp::UpdateRepositoryDescription {
            repository: name.to_string(),
            from: have.description.clone(),
            to: want.description.clone(),
        }));
    }
    if want.visibility != have.visibility {
        same = false;
        planner.push(Op::Repository(RepositoryOp::ChangeVisibility {
            repository: name.to_string(),
            from: have.visibility,
            to: want.visibility,
        }));
    }
    if same {
        planner.unchanged(1);
    }
}

/// The state of a repository without a mirror: a repository left in state `MIRROR` goes to
/// the declared state, else `NORMAL`; a declared state (`normal`, `read_only`) is set when it
/// differs. One `SetRepositoryState` either way (Quay's `changestate`). A repository under
/// organization-level mirroring (`ORG_MIRROR`) is Quay's to change.
/// Without `FEATURE_REPO_MIRROR` Quay has no state route: a declared state that differs is a
/// problem (the repository's other changes still apply).
fn declared_state(
    planner: &mut Planner,
    name: &str,
    want: &Repository,
    have: &Repository,
    options: &PlanOptions,
) {
    let to = match &want.declared_state {
        Some(declared) => declared.clone(),
        None if have.state == RepoState::Mirror => RepoState::Normal,
        None => return,
    };
    if have.state == to || have.state == RepoState::OrgMirror {
        planner.unchanged(1);
        return;
    }
    if want.declared_state.is_some() {
        let field = if to == RepoState::ReadOnly {
            "state: read_only"
        } else {
            "state: normal"
        };
        let object = ObjectRef::Repository(name.to_string());
        let lack = problems::lacking(&options.limits, Feature::RepoMirror, object, field);
        if let Some(problem) = lack {
            planner.problem(problem);
            return;
        }
    }
    planner.push(Op::Mirror(MirrorOp::SetRepositoryState {
        repository: name.to_string(),
        from: have.state.clone(),
        to,
    }));
}

/// What Quay holds right after `CreateRepository` ([`quay_effects::repository_as_created`]):
/// `admin` for the user who created it (the token user), and what the organization's default
/// permissions give — as they will be when the repositories phase runs, after the
/// default-permissions phase: the declared ones where the file manages them, else those read.
fn repository_as_created(
    want: &Repository,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
) -> Repository {
    let defaults = desired
        .default_permissions
        .as_ref()
        .or(actual.default_permissions.as_ref())
        .map_or(&[][..], Vec::as_slice);
    quay_effects::repository_as_created(
        &want.description,
        want.visibility,
        &desired.name,
        options.token_user.as_deref(),
        defaults,
    )
}

/// What the permission rules need to know besides the two permission sets.
struct PermissionContext<'a> {
    repository: &'a str,
    options: &'a PlanOptions,
    /// The robot Quay grants `write` to during this plan's mirror phase, if any.
    granted_by_mirror: Option<&'a str>,
    /// False for a repository being created: nothing there was found as declared.
    count_unchanged: bool,
}

/// Repository permissions, per kind (users, robots, teams), only for the kinds the file
/// declares; an unread actual kind counts as empty.
///
/// Rules:
/// - a declared grantee without a permission → `SetPermission` (from `None`); with another
///   role → `SetPermission` (from the old role); a permission the file does not declare →
///   `RevokePermission`;
/// - Quay grants the user who creates a repository (the token user) `admin` on it: that user's
///   permission is ignored entirely unless the file names that user in `users`. For a
///   repository being created the planner starts from that `admin`, so a declared `admin` for
///   the token user is not planned (redundant write) and another declared role is a change from
///   `admin`;
/// - Quay grants a mirror's robot `write` when the mirror is created (and when a mirror switches
///   to that robot), upgrading `read`, but only when the robot's permission on the repository,
///   teams included, is none or `read` ([`mirror_grant`]): for a repository with a declared
///   mirror, and when robot permissions are declared, the mirror robot's desired role is
///   max(declared role, `write`) and it is never revoked — so mirroring never loses its robot's
///   access and a run right after another shows no drift. When the plan creates the mirror (or
///   switches its robot) and Quay will grant that `write`, it is not planned: Quay adds it by
///   itself; when Quay will not (or the reads cannot tell), it is planned in the permissions
///   phase, before the mirror. When robot permissions are not declared, nothing is planned for
///   the robot;
/// - permissions of robots and teams this plan deletes are not revoked one by one: Quay drops
///   them with the robot or team, and `actual` is already without them
///   (`quay_effects::after_deletes`);
/// - a team grant depends on its team (created in an earlier phase; `Op::depends_on`).
fn permissions(
    planner: &mut Planner,
    context: &PermissionContext<'_>,
    want: &Repository,
    have: &Permissions,
) {
    if let Some(users) = &want.permissions.users {
        let token_user = context
            .options
            .token_user
            .as_deref()
            .filter(|user| !users.contains_key(*user));
        let ignored = |name: &str| token_user == Some(name);
        diff_kind(
            planner,
            context,
            users,
            have.users.as_ref(),
            Grantee::User,
            &ignored,
            None,
        );
    }
    if let Some(robots) = &want.permissions.robots {
        let mut robots = robots.clone();
        if let Some(mirror) = &want.mirror {
            let role = robots.entry(mirror.robot.clone()).or_insert(Role::Write);
            *role = (*role).max(Role::Write);
        }
        let ignored = |_: &str| false;
        diff_kind(
            planner,
            context,
            &robots,
            have.robots.as_ref(),
            Grantee::Robot,
            &ignored,
            context.granted_by_mirror,
        );
    }
    if let Some(teams) = &want.permissions.teams {
        let ignored = |_: &str| false;
        diff_kind(
            planner,
            context,
            teams,
            have.teams.as_ref(),
            Grantee::Team,
            &ignored,
            None,
        );
    }
}

/// One kind of permission. `ignored` names actual grantees never revoked; `granted_by_quay`
/// names the grantee Quay itself gives `write` during this plan.
fn diff_kind(
    planner: &mut Planner,
    context: &PermissionContext<'_>,
    want: &BTreeMap<String, Role>,
    have: Option<&BTreeMap<String, Role>>,
    grantee: fn(String) -> Grantee,
    ignored: &dyn Fn(&str) -> bool,
    granted_by_quay: Option<&str>,
) {
    let empty = BTreeMap::new();
    let have = have.unwrap_or(&empty);
    for (name, &role) in want {
        let from = have.get(name).copied();
        if from == Some(role) {
            if context.count_unchanged {
                planner.unchanged(1);
            }
            continue;
        }
        let quay_grants_it = granted_by_quay == Some(name.as_str())
            && role == Role::Write
            && quay_effects::mirror_grants_write(from, None);
        if quay_grants_it {
            continue;
        }
        planner.push(Op::Permission(PermissionOp::SetPermission {
            repository: context.repository.to_string(),
            grantee: grantee(name.clone()),
            role,
            from,
        }));
    }
    for (name, &role) in have {
        if !want.contains_key(name) && !ignored(name) {
            planner.push(Op::Permission(PermissionOp::RevokePermission {
                repository: context.repository.to_string(),
                grantee: grantee(name.clone()),
                role,
            }));
        }
    }
}

/// The mirror; returns the robot Quay will grant `write` to while applying it (see the
/// permission rules).
///
/// Rules, for a declared mirror:
/// - no mirror configured → `CreateMirror` (which sets the state to `MIRROR` by itself);
/// - a mirror that differs in any compared field (every field of [`crate::model::Mirror`]: the
///   password is never readable) → `UpdateMirror {from, to}`;
/// - an existing repository not in state `MIRROR`, when no `CreateMirror` is planned →
///   `SetRepositoryState` to `MIRROR`;
/// - after `CreateMirror` or `UpdateMirror` → `SyncMirrorNow`, only when the declared mirror is
///   enabled; with `sync_now`, `SyncMirrorNow` for every enabled declared mirror even when
///   nothing changed. Otherwise never: a sync on every run would re-mirror every run.
///
/// - with `resend_mirror_credentials`, a mirror that exists and has a registry username, when
///   no `CreateMirror` or `UpdateMirror` is planned (those carry the credentials already) →
///   `ResendMirrorCredentials`: Quay never shows the password, so no diff sees a rotation.
///
/// Rules, when the file declares no mirror (Quay has no mirror DELETE):
/// - an enabled mirror on a repository in state `MIRROR` → `UpdateMirror` to the same
///   configuration with `is_enabled: false`;
/// - state `MIRROR` → `SetRepositoryState` to `NORMAL` (another state, such as `READ_ONLY`, is
///   an administrator's decision unrelated to mirroring and is left alone);
/// - a disabled mirror on a `NORMAL` repository: nothing.
fn mirror<'a>(
    planner: &mut Planner,
    name: &str,
    want: &'a Repository,
    have: &Repository,
    options: &PlanOptions,
) -> Option<&'a str> {
    let Some(mirror) = &want.mirror else {
        // On a repository in another state the config is inert (Quay's mirror worker only
        // picks repositories in state MIRROR), and `--prune robots` may have read it only to
        // see its robot: planning from it would make the plan depend on that read.
        let enabled = have
            .mirror
            .as_ref()
            .filter(|m| m.is_enabled && have.state == RepoState::Mirror);
        if let Some(configured) = enabled {
            let mut disabled = configured.clone();
            disabled.is_enabled = false;
            planner.push(Op::Mirror(MirrorOp::UpdateMirror {
                repository: name.to_string(),
                from: Box::new(configured.clone()),
                to: Box::new(disabled),
            }));
        }
        declared_state(planner, name, want, have, options);
        return None;
    };

    // `configured`: a CreateMirror or UpdateMirror is planned (that is what triggers a sync).
    let mut configured = false;
    let mut granted = None;
    match &have.mirror {
        None => {
            planner.push(Op::Mirror(MirrorOp::CreateMirror {
                repository: name.to_string(),
                mirror: Box::new(mirror.clone()),
            }));
            configured = true;
            granted = Some(mirror.robot.as_str());
        }
        Some(current) => {
            if current.needs_update_to(mirror) {
                planner.push(Op::Mirror(MirrorOp::UpdateMirror {
                    repository: name.to_string(),
                    from: Box::new(current.clone()),
                    to: Box::new(mirror.clone()),
                }));
                configured = true;
                if current.robot != mirror.robot {
                    granted = Some(mirror.robot.as_str());
                }
            }
            let resent = match &mirror.username {
                Some(username) if options.resend_mirror_credentials && !configured => {
                    planner.push(Op::Mirror(MirrorOp::ResendMirrorCredentials {
                        repository: name.to_string(),
                        username: username.clone(),
                    }));
                    true
                }
                _ => false,
            };
            if have.state != RepoState::Mirror {
                planner.push(Op::Mirror(MirrorOp::SetRepositoryState {
                    repository: name.to_string(),
                    from: have.state.clone(),
                    to: RepoState::Mirror,
                }));
            } else if !configured && !resent {
                planner.unchanged(1);
            }
        }
    }
    if mirror.is_enabled && (configured || options.sync_now) {
        planner.push(Op::Mirror(MirrorOp::SyncMirrorNow {
            repository: name.to_string(),
        }));
    }
    granted
}

/// Whether Quay itself grants the mirror robot `write` when the mirror is created or switched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MirrorGrant {
    Granted,
    /// A team the robot is in holds `write` or `admin` on the repository.
    NotGranted,
    /// The reads made do not show the robot's teams or their permissions on the repository.
    Unknown,
}

/// Quay's rule (`_setup_robot_for_mirroring`, `endpoints/api/mirror.py`): the robot gets
/// `write` unless one of its permissions on the repository — its own, or one of a team it is a
/// member of — is `write` or `admin` (quay-observed.md; a team's organization role does not
/// count, only the team's permission on this repository). Its own permission is dealt with by
/// the permission rules (the grant is skipped only from none or `read`); this looks at the
/// teams as they will be when the mirror phase runs, after the team-member and permission
/// phases: the declared team permissions and members where the file declares them, else what
/// was read (without the teams this plan deletes: `actual` is as Quay holds it after them).
fn mirror_grant(
    desired: &Organization,
    actual: &Organization,
    want: &Repository,
    have: &Repository,
    robot: &str,
) -> MirrorGrant {
    let is_member = |team: &str| -> Option<bool> {
        if let Some(declared) = desired.teams.get(team) {
            if let Some(members) = &declared.members {
                return Some(members.robots.contains(robot));
            }
        }
        match actual.teams.get(team) {
            Some(existing) => existing
                .members
                .as_ref()
                .map(|members| members.robots.contains(robot)),
            // Created by this plan without declared members, or not there at all.
            None => Some(false),
        }
    };
    let mut unknown = false;
    match want
        .permissions
        .teams
        .as_ref()
        .or(have.permissions.teams.as_ref())
    {
        Some(teams) => {
            let blocks_the_grant =
                |role: Role| !quay_effects::mirror_grants_write(None, Some(role));
            for (team, _) in teams.iter().filter(|(_, role)| blocks_the_grant(**role)) {
                match is_member(team) {
                    Some(true) => return MirrorGrant::NotGranted,
                    Some(false) => {}
                    None => unknown = true,
                }
            }
        }
        // The repository's team permissions were not read: only a robot known to be in no
        // team at all is sure to get the grant.
        None => {
            let teams = desired.teams.keys().chain(actual.teams.keys());
            for team in teams {
                if is_member(team) != Some(false) {
                    unknown = true;
                }
            }
        }
    }
    if unknown {
        MirrorGrant::Unknown
    } else {
        MirrorGrant::Granted
    }
}
