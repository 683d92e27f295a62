//! The convergence property: after applying a plan (in a simulated Quay), planning again finds
//! nothing to do — for random desired and actual organizations drawn from small name alphabets
//! so that they overlap.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::{btree_map, btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::builders::target;
use super::sim::SimQuay;
use crate::model::{
    Mirror, Notification, NotificationEvent, Organization, Permissions, Proxy, RepoState,
    Repository, Robot, Role, Team, TeamMembers, TeamRole, Visibility,
};
use crate::plan::RobotOp;
use crate::plan::{plan_target, ListEntry, Op, PlanOptions};

const ROBOTS: [&str; 3] = ["r1", "r2", "r3"];
const TEAMS: [&str; 3] = ["owners", "t1", "t2"];
/// `me` is the token user when there is one.
const USERS: [&str; 3] = ["me", "u1", "u2"];
const REPOS: [&str; 3] = ["a", "b", "n/c"];
const TEXTS: [&str; 2] = ["", "text"];

fn name(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(alphabet).prop_map(String::from)
}

fn names(alphabet: &'static [&'static str]) -> impl Strategy<Value = BTreeSet<String>> {
    btree_set(name(alphabet), 0..=alphabet.len())
}

fn role() -> impl Strategy<Value = Role> {
    select(&[Role::Read, Role::Write, Role::Admin][..])
}

fn roles(alphabet: &'static [&'static str]) -> impl Strategy<Value = BTreeMap<String, Role>> {
    btree_map(name(alphabet), role(), 0..=alphabet.len())
}

fn team_role() -> impl Strategy<Value = TeamRole> {
    select(&[TeamRole::Member, TeamRole::Creator, TeamRole::Admin][..])
}

fn robots() -> impl Strategy<Value = BTreeMap<String, Robot>> {
    btree_map(
        name(&ROBOTS),
        name(&TEXTS).prop_map(|description| Robot { description }),
        0..=3,
    )
}

fn team() -> impl Strategy<Value = Team> {
    (
        team_role(),
        name(&TEXTS),
        option::of((names(&USERS), names(&ROBOTS), names(&USERS))),
        option::of((any::<bool>(), name(&["g1", "g2"]))),
    )
        .prop_map(|(role, description, members, group)| Team {
            role,
            description,
            members: members.map(|(users, robots, invited)| TeamMembers {
                invited_users: invited.difference(&users).cloned().collect(),
                users,
                robots,
            }),
            sync: group.map(|(ldap, group)| {
                if ldap {
                    crate::model::TeamSync::Ldap {
                        group_dn: format!("cn={group}"),
                    }
                } else {
                    crate::model::TeamSync::Oidc { group_name: group }
                }
            }),
        })
}

fn mirror() -> impl Strategy<Value = Mirror> {
    (
        name(&["quay.io/a/b", "quay.io/c/d"]),
        vec(name(&["latest", "v1"]), 1..=2),
        option::of(name(&["puller"])),
        any::<(bool, bool, bool)>(),
        name(&ROBOTS),
        select(&[3600_u64, 86_400][..]),
        option::of(name(&["http://proxy:3128"])),
    )
        .prop_map(
            |(external_reference, tags, username, flags, robot, sync_interval, https_proxy)| {
                Mirror {
                    external_reference,
                    tags,
                    username,
                    verify_tls: flags.0,
                    unsigned_images: flags.1,
                    robot,
                    sync_interval,
                    is_enabled: flags.2,
                    proxy: Proxy {
                        https_proxy,
                        ..Proxy::default()
                    },
                    options: crate::model::MirrorOptions::default(),
                }
            },
        )
}

fn notification() -> impl Strategy<Value = Notification> {
    (
        name(&["https://hooks.example.com/1", "https://hooks.example.com/2"]),
        option::of(name(&["", "Mirror failed"])),
    )
        .prop_map(|(url, title)| Notification {
            title,
            ..Notification::webhook(NotificationEvent::RepoMirrorSyncFailed, &url)
        })
}

fn repository() -> impl Strategy<Value = Repository> {
    (
        name(&TEXTS),
        select(&[Visibility::Public, Visibility::Private][..]),
        (
            option::of(roles(&USERS)),
            option::of(roles(&ROBOTS)),
            option::of(roles(&TEAMS)),
        ),
        option::of(mirror()),
        option::of(vec(notification(), 0..=3)),
        select(&[RepoState::Normal, RepoState::Mirror, RepoState::ReadOnly][..]),
    )
        .prop_map(
            |(description, visibility, (users, robots, teams), mirror, notifications, state)| {
                Repository {
                    description,
                    visibility,
                    permissions: Permissions {
                        users,
                        robots,
                        teams,
                    },
                    mirror,
                    notifications,
                    state,
                    declared_state: None,
                }
            },
        )
}

fn organization() -> impl Strategy<Value = Organization> {
    (
        option::of(name(&["a@example.com", "b@example.com"])),
        robots(),
        btree_map(name(&TEAMS), team(), 0..=3),
        btree_map(name(&REPOS), repository(), 0..=3),
        btree_map(name(&ROBOTS), btree_set(federation(), 0..=2), 0..=2),
    )
        .prop_map(
            |(email, robots, teams, repositories, federation)| Organization {
                name: "exampleorg".into(),
                email,
                robots,
                teams,
                repositories,
                default_permissions: None,
                quota: None,
                tag_expiration_s: None,
                auto_prune: Default::default(),
                immutability: Default::default(),
                robot_federation: federation
                    .into_iter()
                    .map(|(robot, set)| (robot, set.into_iter().collect()))
                    .collect(),
            },
        )
}

fn federation() -> impl Strategy<Value = crate::model::Federation> {
    (
        name(&["https://a.example.com", "https://b.example.com"]),
        name(&["s1", "s2"]),
    )
        .prop_map(|(issuer, subject)| crate::model::Federation { issuer, subject })
}

/// Makes a drawn organization one the state reader could return: every team and every
/// permission kind read, `owners` present, references only to robots and teams that exist,
/// distinct notification uuids, no invitation to a user already in the team.
fn as_actual(mut org: Organization) -> Organization {
    org.teams.entry("owners".into()).or_insert_with(|| Team {
        role: TeamRole::Admin,
        description: String::new(),
        members: None,
        sync: None,
    });
    let robots: BTreeSet<String> = org.robots.keys().cloned().collect();
    let teams: BTreeSet<String> = org.teams.keys().cloned().collect();
    org.robot_federation.retain(|r, _| robots.contains(r));
    for team in org.teams.values_mut() {
        let members = team.members.get_or_insert_with(TeamMembers::default);
        members.robots.retain(|r| robots.contains(r));
    }
    let mut uuid = 0;
    for repository in org.repositories.values_mut() {
        let p = &mut repository.permissions;
        p.users.get_or_insert_with(BTreeMap::new);
        p.robots
            .get_or_insert_with(BTreeMap::new)
            .retain(|r, _| robots.contains(r));
        p.teams
            .get_or_insert_with(BTreeMap::new)
            .retain(|t, _| teams.contains(t));
        if repository
            .mirror
            .as_ref()
            .is_some_and(|m| !robots.contains(&m.robot))
        {
            repository.mirror = None;
        }
        for notification in repository.notifications.iter_mut().flatten() {
            uuid += 1;
            notification.uuid = Some(format!("q-{uuid:02}"));
        }
    }
    org
}

/// Makes a drawn organization one config validation could accept: references only to robots
/// and teams that are declared or exist already (`owners` always exists), no invitations, the
/// state following the mirror.
fn as_desired(mut org: Organization, actual: Option<&Organization>) -> Organization {
    let mut robots: BTreeSet<String> = org.robots.keys().cloned().collect();
    let mut teams: BTreeSet<String> = org.teams.keys().cloned().collect();
    teams.insert("owners".into());
    if let Some(actual) = actual {
        robots.extend(actual.robots.keys().cloned());
        teams.extend(actual.teams.keys().cloned());
    }
    // Only declared robots declare a federation.
    let declared: BTreeSet<String> = org.robots.keys().cloned().collect();
    org.robot_federation.retain(|r, _| declared.contains(r));
    for team in org.teams.values_mut() {
        if let Some(members) = &mut team.members {
            members.robots.retain(|r| robots.contains(r));
            members.invited_users.clear();
        }
    }
    for repository in org.repositories.values_mut() {
        let p = &mut repository.permissions;
        if let Some(map) = &mut p.robots {
            map.retain(|r, _| robots.contains(r));
        }
        if let Some(map) = &mut p.teams {
            map.retain(|t, _| teams.contains(t));
        }
        if repository
            .mirror
            .as_ref()
            .is_some_and(|m| !robots.contains(&m.robot))
        {
            repository.mirror = None;
        }
        repository.state = if repository.mirror.is_some() {
            RepoState::Mirror
        } else {
            RepoState::Normal
        };
    }
    org
}

fn scenario() -> impl Strategy<Value = (Organization, Option<Organization>)> {
    (organization(), option::weighted(0.85, organization())).prop_map(|(desired, actual)| {
        let actual = actual.map(as_actual);
        (as_desired(desired, actual.as_ref()), actual)
    })
}

fn options() -> impl Strategy<Value = PlanOptions> {
    (
        any::<(bool, bool, bool, bool)>(),
        option::weighted(0.8, Just("me".to_string())),
    )
        .prop_map(
            |((prune_robots, prune_teams, sync_now, resend), token_user)| PlanOptions {
                prune_robots,
                prune_teams,
                sync_now,
                resend_mirror_credentials: resend,
                token_user,
                ..PlanOptions::default()
            },
        )
}

/// Robots a mirror in Quay used before the run. One that the file drops is deleted only on
/// the next run: robots are deleted in an earlier phase than mirrors are switched.
fn mirror_robots(actual: Option<&Organization>) -> BTreeSet<String> {
    actual
        .into_iter()
        .flat_map(|org| org.repositories.values())
        .filter_map(|r| r.mirror.as_ref().map(|m| m.robot.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_leaves_nothing_to_do(
        (desired, actual) in scenario(),
        options in options(),
        mailing in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let quay = SimQuay { token_user: options.token_user.clone(), mailing, seed };
        let first = plan_target(target(), &desired, actual.as_ref(), &options);
        let after = quay.apply(actual.clone(), &first);
        prop_assert!(after.is_ok(), "Quay refused the first plan: {}", after.unwrap_err());
        let after = after.unwrap();

        // `sync_now` asks for syncs and `resend_mirror_credentials` for credential writes on
        // every run; convergence is about everything else.
        let again = PlanOptions {
            sync_now: false,
            resend_mirror_credentials: false,
            ..options.clone()
        };
        let second = plan_target(target(), &desired, after.as_ref(), &again);
        let used_before = mirror_robots(actual.as_ref());
        let left: Vec<&Op> = second
            .changes
            .iter()
            .map(|c| &c.op)
            .filter(|op| !matches!(op, Op::Robot(RobotOp::DeleteRobot { robot }) if used_before.contains(robot)))
            .collect();
        prop_assert!(left.is_empty(), "second plan not empty: {:#?}", left);

        // Even that deferred robot deletion goes through, and then all is quiet.
        let after = quay.apply(after, &second);
        prop_assert!(after.is_ok(), "Quay refused the second plan: {}", after.unwrap_err());
        let third = plan_target(target(), &desired, after.unwrap().as_ref(), &again);
        prop_assert!(third.is_empty(), "third plan not empty: {:#?}", third.changes);
    }

    #[test]
    fn planning_is_deterministic(
        (desired, actual) in scenario(),
        options in options(),
    ) {
        let first = plan_target(target(), &desired, actual.as_ref(), &options);
        let mut reordered = actual.clone();
        if let Some(org) = &mut reordered {
            for repository in org.repositories.values_mut() {
                if let Some(list) = &mut repository.notifications {
                    list.reverse();
                }
            }
        }
        let second = plan_target(target(), &desired, reordered.as_ref(), &options);
        prop_assert_eq!(first, second);
    }

    /// The executor runs a list's removals only after its grants (issue 11, item 2 b); the
    /// planner keeps its side: every grant of a list comes before the list's removals, in
    /// phase and in plan order.
    #[test]
    fn each_lists_grants_come_before_its_removals(
        (desired, actual) in scenario(),
        options in options(),
    ) {
        let plan = plan_target(target(), &desired, actual.as_ref(), &options);
        for (i, removal) in plan.changes.iter().enumerate() {
            let Some((list, ListEntry::Removal)) = removal.op.list_entry() else { continue };
            for (j, grant) in plan.changes.iter().enumerate() {
                if grant.op.list_entry() == Some((list.clone(), ListEntry::Grant)) {
                    prop_assert!(j < i && grant.phase <= removal.phase, "{:#?}", plan.changes);
                }
            }
        }
    }
}
