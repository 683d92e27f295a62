//! Teams: existence, role and description, members, and group sync (LDAP, OIDC).

use std::collections::BTreeSet;

use super::Planner;
use crate::model::{Organization, Team, TeamMembers, TeamRole, TeamSync, OWNERS_TEAM};
use crate::plan::problems;
use crate::plan::{Member, Notice, ObjectRef, Op, Phase, PlanOptions};
use crate::plan::{MemberOp, TeamOp, TeamSyncOp};

/// Plans the teams; returns the teams this plan deletes.
///
/// Rules:
/// - declared and absent → `CreateTeam`, then its members as adds and its sync;
/// - declared and present with another role or description → one `UpdateTeam` carrying both
///   (Quay's team PUT sets both at once);
/// - present but undeclared → `Notice::Unmanaged`; with `prune_teams` → `DeleteTeam` instead,
///   except a team the file grants repository permissions to (still reported as unmanaged);
/// - the built-in `owners` team is never created, updated, deleted or reported unless the file
///   declares it; then it is managed like any team, but never deleted.
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
    deleted_robots: &BTreeSet<String>,
) -> BTreeSet<String> {
    for (name, want) in &desired.teams {
        let have = actual.teams.get(name);
        match have {
            None => planner.push(Op::Team(TeamOp::CreateTeam {
                team: name.clone(),
                role: want.role,
                description: want.description.clone(),
            })),
            Some(have) => {
                let updated = have.role != want.role || have.description != want.description;
                if updated {
                    planner.push(Op::Team(TeamOp::UpdateTeam {
                        team: name.clone(),
                        role: want.role,
                        description: want.description.clone(),
                        from_role: have.role,
                        from_description: have.description.clone(),
                    }));
                }
                if !updated && want.sync == have.sync {
                    planner.unchanged(1);
                }
            }
        }
        members(planner, name, want, have, options, deleted_robots);
        // Rule: a group the endpoint cannot sync from is a problem, not a change; the team
        // and its robots are still managed, its users still belong to the declared group.
        let unsyncable = want
            .sync
            .as_ref()
            .and_then(|sync| problems::team_sync(&options.limits, name, sync));
        match unsyncable {
            Some(problem) => planner.problem(problem),
            None => sync(planner, name, want.sync.as_ref(), have),
        }
    }

    let granted: BTreeSet<&str> = desired
        .repositories
        .values()
        .filter_map(|repository| repository.permissions.teams.as_ref())
        .flat_map(|teams| teams.keys().map(String::as_str))
        .collect();
    let mut deleted = BTreeSet::new();
    for name in actual.teams.keys() {
        if name == OWNERS_TEAM || desired.teams.contains_key(name) {
            continue;
        }
        if options.prune_teams && !granted.contains(name.as_str()) {
            planner.push(Op::Team(TeamOp::DeleteTeam { team: name.clone() }));
            deleted.insert(name.clone());
        } else {
            planner.notice(Notice::Unmanaged {
                object: ObjectRef::Team(name.clone()),
            });
        }
    }
    deleted
}

/// Team members, managed only when the file declares `members`.
///
/// Rules:
/// - declared users and robots that are missing are added, present ones that are not declared
///   are removed; for a team being created every declared member is an add;
/// - a user with a pending invitation to the team counts as present (Quay with mailing on
///   invites instead of adding, and does not deduplicate invites: never invite twice) and is
///   reported with `Notice::InvitationPending`; removing an undeclared one cancels the invite;
/// - when the team is (or will be) synced from a group (declared `group_dn` or `group_name`),
///   its user membership belongs to the sync: only robots are managed;
/// - when the team is synced now and the file ends the sync, Quay refuses user changes until
///   the sync is disabled, and the team-sync phase runs after the team-members phase: the user
///   changes go into the team-sync phase, after `DisableTeamSync`;
/// - the token user's membership of a team the file declares with role `admin` (and of
///   `owners`, where Quay puts the organization's creator) is left alone unless the file names
///   that user there: removing it could lock mqc out of the organization, and Quay refuses to
///   remove users from their only admin team ("User cannot remove themselves from their only
///   admin team").
///
/// Robots deleted by this plan are not removed from teams one by one: Quay drops their
/// memberships with them (`quay_effects::forget_robot`); the robots rule keeps declared members from being
/// deleted, so this concerns only undeclared ones.
fn members(
    planner: &mut Planner,
    team: &str,
    want: &Team,
    have_team: Option<&Team>,
    options: &PlanOptions,
    deleted_robots: &BTreeSet<String>,
) {
    let Some(wanted) = &want.members else {
        return;
    };
    let empty = TeamMembers::default();
    let have = have_team.and_then(|t| t.members.as_ref()).unwrap_or(&empty);
    let have_synced = have_team.is_some_and(|t| t.sync.is_some());
    // Judged on the declared role, which does not change from run to run.
    let admin_team = want.role == TeamRole::Admin || team == OWNERS_TEAM;
    let add = |member| {
        Op::Member(MemberOp::AddTeamMember {
            team: team.to_string(),
            member,
        })
    };
    let remove = |member| {
        Op::Member(MemberOp::RemoveTeamMember {
            team: team.to_string(),
            member,
        })
    };

    for robot in &wanted.robots {
        if have.robots.contains(robot) {
            planner.unchanged(1);
        } else {
            planner.push(add(Member::Robot(robot.clone())));
        }
    }
    for robot in have.robots.difference(&wanted.robots) {
        if deleted_robots.contains(robot) {
            continue;
        }
        planner.push(remove(Member::Robot(robot.clone())));
    }

    if want.sync.is_some() {
        return;
    }
    let phase = if have_synced {
        Phase::TeamSync
    } else {
        Phase::TeamMembers
    };
    for user in &wanted.users {
        if have.users.contains(user) {
            planner.unchanged(1);
        } else if have.invited_users.contains(user) {
            planner.unchanged(1);
            planner.notice(Notice::InvitationPending {
                team: team.to_string(),
                user: user.clone(),
            });
        } else {
            planner.push_in(phase, add(Member::User(user.clone())));
        }
    }
    let token_user = options.token_user.as_deref();
    let present: BTreeSet<&String> = have.users.union(&have.invited_users).collect();
    for user in present {
        let keeps_mqc_admin = admin_team && token_user == Some(user.as_str());
        if !wanted.users.contains(user) && !keeps_mqc_admin {
            planner.push_in(phase, remove(Member::User(user.clone())));
        }
    }
}

/// Team sync. Rules: a declared group on an unsynced team → `EnableTeamSync`; on a team synced
/// to another group (or with another config) → `DisableTeamSync` then `EnableTeamSync` (Quay
/// refuses to sync a synced team again: 500); no declared group on a synced team →
/// `DisableTeamSync`. An OIDC sync removes the team's users at once: its op carries how many
/// the team has now (none for a team this plan creates), and is one-way when there are some.
fn sync(planner: &mut Planner, team: &str, want: Option<&TeamSync>, have_team: Option<&Team>) {
    let have = have_team.and_then(|t| t.sync.as_ref());
    let enable = |sync: &TeamSync| {
        let removes_users = matches!(sync, TeamSync::Oidc { .. }).then(|| {
            have_team
                .and_then(|t| t.members.as_ref())
                .map_or(0, |m| m.users.len())
        });
        Op::TeamSync(TeamSyncOp::EnableTeamSync {
            team: team.to_string(),
            sync: sync.clone(),
            removes_users,
        })
    };
    let disable = |from: &TeamSync| {
        Op::TeamSync(TeamSyncOp::DisableTeamSync {
            team: team.to_string(),
            from: from.clone(),
        })
    };
    match (want, have) {
        (Some(want), Some(have)) if want == have => {}
        (Some(want), Some(have)) => {
            planner.push(disable(have));
            planner.push(enable(want));
        }
        (Some(want), None) => planner.push(enable(want)),
        (None, Some(have)) => planner.push(disable(have)),
        (None, None) => {}
    }
}
