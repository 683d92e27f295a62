//! What Quay does by itself when mqc creates or deletes something: written once, here, and used
//! by the planner (to plan against what Quay will hold, so nothing is sent twice and no second
//! run is needed), by `export` (to leave out of a file what Quay adds on its own) and by the
//! planner's test simulator (to play Quay). Pure functions of the model.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    DefaultPermission, Delegate, Organization, Permissions, RepoState, Repository, Role, Team,
    TeamMembers, TeamRole, Visibility, OWNERS_TEAM,
};

/// An organization right after Quay created it for `creator`: its `owners` team (role admin,
/// no description) with the creator as only member, no robots, no repositories, no default
/// permissions.
pub fn organization_as_created(
    name: &str,
    email: Option<String>,
    creator: Option<&str>,
) -> Organization {
    let owners = Team {
        role: TeamRole::Admin,
        description: String::new(),
        members: Some(TeamMembers {
            users: creator.iter().map(|user| user.to_string()).collect(),
            ..TeamMembers::default()
        }),
        sync: None,
    };
    Organization {
        name: name.to_string(),
        email,
        robots: BTreeMap::new(),
        teams: BTreeMap::from([(OWNERS_TEAM.to_string(), owners)]),
        repositories: BTreeMap::new(),
        default_permissions: Some(Vec::new()),
        quota: None,
        // Quay gives a new organization its `DEFAULT_TAG_EXPIRATION`, a setting `/config`
        // does not show: unknown, so a declared time machine is sent once.
        tag_expiration_s: None,
        auto_prune: Default::default(),
        immutability: Default::default(),
        robot_federation: BTreeMap::new(),
    }
}

/// The role Quay gives the user who creates a repository, explicitly, on that repository.
pub const CREATOR_ROLE: Role = Role::Admin;

/// A repository right after `creator` created it in an organization with these default
/// permissions: state `NORMAL`, `admin` for the creator, and what the default permissions give
/// ([`permissions_from_defaults`]).
pub fn repository_as_created(
    description: &str,
    visibility: Visibility,
    organization: &str,
    creator: Option<&str>,
    defaults: &[DefaultPermission],
) -> Repository {
    let mut permissions = permissions_from_defaults(organization, creator, defaults);
    if let (Some(creator), Some(users)) = (creator, permissions.users.as_mut()) {
        users.insert(creator.to_string(), CREATOR_ROLE);
    }
    Repository {
        description: description.to_string(),
        visibility,
        permissions,
        mirror: None,
        notifications: Some(Vec::new()),
        state: RepoState::Normal,
        declared_state: None,
    }
}

/// The permissions Quay's default permissions give a repository `creator` creates (Quay's
/// `model/permission.py`, `apply_default_permissions`): of the default permissions for one
/// delegate, one whose activating user is the creator beats one for any creator (the last such
/// one wins), and of those for any creator the first one read wins; one with another activating user does not apply; a user default naming
/// the creator is skipped (the creator gets `admin` anyway). A robot of the organization is
/// named `org+short` in `activating_user`.
pub fn permissions_from_defaults(
    organization: &str,
    creator: Option<&str>,
    defaults: &[DefaultPermission],
) -> Permissions {
    let creator_is = |user: &str| {
        creator.is_some_and(|creator| {
            user == creator || robot_named(organization, user) == Some(creator)
        })
    };
    // Delegate → role, in Quay's order: a catch-all only where nothing is chosen yet, one for
    // the creator always.
    let mut chosen: BTreeMap<&Delegate, Role> = BTreeMap::new();
    for default in defaults {
        let specific = match default.activating_user.as_deref() {
            None => false,
            Some(user) if creator_is(user) => true,
            Some(_) => continue,
        };
        if let Delegate::User(user) = &default.delegate {
            if creator_is(user) {
                continue;
            }
        }
        if specific || !chosen.contains_key(&default.delegate) {
            chosen.insert(&default.delegate, default.role);
        }
    }
    let mut permissions = Permissions {
        users: Some(BTreeMap::new()),
        robots: Some(BTreeMap::new()),
        teams: Some(BTreeMap::new()),
    };
    for (delegate, role) in chosen {
        let (list, name) = match delegate {
            Delegate::User(name) => (&mut permissions.users, name),
            Delegate::Robot(name) => (&mut permissions.robots, name),
            Delegate::Team(name) => (&mut permissions.teams, name),
        };
        list.get_or_insert_with(BTreeMap::new)
            .insert(name.clone(), role);
    }
    permissions
}

/// `org+short` → `short`, for robots of `organization`.
fn robot_named<'a>(organization: &str, user: &'a str) -> Option<&'a str> {
    user.strip_prefix(organization)?.strip_prefix('+')
}

/// Whether Quay grants a mirror's robot `write` on its repository when the mirror is created
/// or switched to it (`_setup_robot_for_mirroring`, `endpoints/api/mirror.py`): only when the
/// robot's best permission there — its own (`own`), or one of a team it is in (`via_team`) —
/// is none or `read`.
pub fn mirror_grants_write(own: Option<Role>, via_team: Option<Role>) -> bool {
    own.max(via_team).is_none_or(|role| role == Role::Read)
}

/// The best role a team (of `teams`) that `robot` is a member of holds on a repository with
/// these team permissions.
pub fn role_via_teams(
    teams: &BTreeMap<String, Team>,
    team_permissions: Option<&BTreeMap<String, Role>>,
    robot: &str,
) -> Option<Role> {
    team_permissions
        .into_iter()
        .flatten()
        .filter(|(team, _)| {
            teams
                .get(*team)
                .and_then(|t| t.members.as_ref())
                .is_some_and(|members| members.robots.contains(robot))
        })
        .map(|(_, role)| *role)
        .max()
}

/// The organization as Quay holds it once these robots and teams are deleted: without them,
/// their team memberships, repository permissions and the default permissions naming them.
/// The planner plans what follows the deletions against this, so it never removes one by one
/// what Quay drops by itself (that removal would fail: it is gone already).
pub fn after_deletes(
    organization: &Organization,
    robots: &BTreeSet<String>,
    teams: &BTreeSet<String>,
) -> Organization {
    let mut after = organization.clone();
    for robot in robots {
        after.robots.remove(robot);
        forget_robot(&mut after, robot);
    }
    for team in teams {
        after.teams.remove(team);
        forget_team(&mut after, team);
    }
    after
}

/// What deleting a robot takes with it: its team memberships, its repository permissions and
/// the default permissions naming it.
pub fn forget_robot(organization: &mut Organization, robot: &str) {
    for team in organization.teams.values_mut() {
        if let Some(members) = &mut team.members {
            members.robots.remove(robot);
        }
    }
    for repository in organization.repositories.values_mut() {
        if let Some(robots) = &mut repository.permissions.robots {
            robots.remove(robot);
        }
    }
    if let Some(defaults) = &mut organization.default_permissions {
        defaults.retain(|d| d.delegate != Delegate::Robot(robot.to_string()));
    }
}

/// What deleting a team takes with it: its repository permissions and the default permissions
/// naming it.
pub fn forget_team(organization: &mut Organization, team: &str) {
    for repository in organization.repositories.values_mut() {
        if let Some(teams) = &mut repository.permissions.teams {
            teams.remove(team);
        }
    }
    if let Some(defaults) = &mut organization.default_permissions {
        defaults.retain(|d| d.delegate != Delegate::Team(team.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default(role: Role, delegate: Delegate, activating_user: Option<&str>) -> DefaultPermission {
        DefaultPermission {
            role,
            delegate,
            activating_user: activating_user.map(str::to_string),
            id: None,
        }
    }

    #[test]
    fn the_creators_own_default_beats_the_catch_all_and_others_do_not_apply() {
        let defaults = [
            default(Role::Read, Delegate::Team("devs".into()), None),
            default(Role::Admin, Delegate::Team("devs".into()), Some("me")),
            default(Role::Write, Delegate::Team("ops".into()), Some("someone")),
            default(Role::Write, Delegate::Robot("ci".into()), None),
            default(Role::Read, Delegate::User("me".into()), None),
            default(Role::Read, Delegate::User("bob".into()), None),
        ];
        let repo = repository_as_created("", Visibility::Private, "o", Some("me"), &defaults);
        let p = repo.permissions;
        assert_eq!(
            p.teams,
            Some(BTreeMap::from([("devs".to_string(), Role::Admin)]))
        );
        assert_eq!(
            p.robots,
            Some(BTreeMap::from([("ci".to_string(), Role::Write)]))
        );
        assert_eq!(
            p.users,
            Some(BTreeMap::from([
                ("bob".to_string(), Role::Read),
                ("me".to_string(), Role::Admin)
            ]))
        );
    }

    #[test]
    fn of_two_defaults_for_any_creator_the_first_wins() {
        let defaults = [
            default(Role::Read, Delegate::Team("devs".into()), None),
            default(Role::Write, Delegate::Team("devs".into()), None),
        ];
        let p = permissions_from_defaults("o", Some("me"), &defaults);
        assert_eq!(
            p.teams,
            Some(BTreeMap::from([("devs".to_string(), Role::Read)]))
        );
    }

    #[test]
    fn a_robot_creator_is_matched_by_its_full_name() {
        let defaults = [default(
            Role::Write,
            Delegate::Team("devs".into()),
            Some("o+builder"),
        )];
        let p = permissions_from_defaults("o", Some("builder"), &defaults);
        assert_eq!(p.teams.map(|t| t.len()), Some(1));
    }

    #[test]
    fn the_mirror_grant_needs_no_better_role_than_read() {
        assert!(mirror_grants_write(None, None));
        assert!(mirror_grants_write(Some(Role::Read), Some(Role::Read)));
        assert!(!mirror_grants_write(None, Some(Role::Write)));
        assert!(!mirror_grants_write(Some(Role::Admin), None));
    }
}
