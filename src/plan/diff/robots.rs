//! Robot accounts: create what is missing, report (or with `--prune`, delete) what is not
//! declared. Quay cannot update a robot, and mqc never re-creates one.

use std::collections::BTreeSet;

use super::Planner;
use crate::model::Organization;
use crate::plan::RobotOp;
use crate::plan::{Notice, ObjectRef, Op, PlanOptions};

/// Plans the robots; returns the robots this plan deletes.
///
/// Rules:
/// - declared and absent → `CreateRobot`;
/// - declared and present with another description → no change, only
///   `Notice::RobotDescriptionDiffers`: Quay cannot update a robot, and deleting and re-creating
///   it would rotate its token and break everything that uses it;
/// - present but undeclared → `Notice::Unmanaged`; with `prune_robots` → `DeleteRobot` instead
///   (and no notice) — except a robot still in use ([`robots_in_use`]), which is never deleted
///   and stays reported as unmanaged, or, when only a mirror configuration Quay holds keeps
///   it, reported as `Notice::RobotUsedByMirror` with those repositories. (With `prune_robots` the
///   reader reads every repository's mirror configuration as soon as one robot could be
///   deleted, so the actual side shows every mirror that names one.)
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
) -> BTreeSet<String> {
    for (name, robot) in &desired.robots {
        match actual.robots.get(name) {
            None => planner.push(Op::Robot(RobotOp::CreateRobot {
                robot: name.clone(),
                description: robot.description.clone(),
            })),
            Some(have) if have.description != robot.description => {
                planner.notice(Notice::RobotDescriptionDiffers {
                    robot: name.clone(),
                    desired: robot.description.clone(),
                    actual: have.description.clone(),
                });
            }
            Some(_) => planner.unchanged(1),
        }
    }

    let in_use = robots_in_use(desired, actual);
    let used_by_file = kept_by_file(desired);
    let mut deleted = BTreeSet::new();
    for name in actual.robots.keys() {
        if desired.robots.contains_key(name) {
            continue;
        }
        let mirrored: Vec<String> = actual
            .repositories
            .iter()
            .filter(|(_, r)| r.mirror.as_ref().is_some_and(|m| &m.robot == name))
            .map(|(repository, _)| repository.clone())
            .collect();
        if options.prune_robots && !in_use.contains(name.as_str()) {
            planner.push(Op::Robot(RobotOp::DeleteRobot {
                robot: name.clone(),
            }));
            deleted.insert(name.clone());
        } else if options.prune_robots && !used_by_file.contains(name.as_str()) {
            // Kept only because a mirror configuration in Quay names it.
            planner.notice(Notice::RobotUsedByMirror {
                robot: name.clone(),
                repositories: mirrored,
            });
        } else {
            planner.notice(Notice::Unmanaged {
                object: ObjectRef::Robot(name.clone()),
            });
        }
    }
    deleted
}

/// Robots that `--prune` must not delete even when the file does not declare them:
/// - the robot of a declared mirror (a mirror without its robot cannot push);
/// - the robot of any mirror Quay holds, declared or not: newer Quay refuses the delete ("Robot
///   is being used by a mirror") and older Quay deletes it and breaks the mirror. When a declared
///   mirror switches to another robot, the old one goes on the next run, once the mirror no
///   longer uses it (robots are deleted in an earlier phase than mirrors are updated);
/// - robots the file names as team members or in repository permissions: deleting them would
///   undo what the same plan adds.
fn robots_in_use<'a>(desired: &'a Organization, actual: &'a Organization) -> BTreeSet<&'a str> {
    let mut in_use = kept_by_file(desired);
    let mirrors = actual
        .repositories
        .values()
        .filter_map(|repository| repository.mirror.as_ref());
    in_use.extend(mirrors.map(|mirror| mirror.robot.as_str()));
    in_use
}

/// The robots `--prune robots` keeps whatever Quay holds: the declared ones and those the file
/// uses (team members, repository permissions, declared mirrors). Any other robot of the
/// organization is a removal candidate, so the reader then reads every mirror configuration
/// (`ReadScope::pruning_robots`).
pub fn robots_the_file_keeps(desired: &Organization) -> BTreeSet<String> {
    let mut kept: BTreeSet<String> = desired.robots.keys().cloned().collect();
    kept.extend(kept_by_file(desired).into_iter().map(str::to_string));
    kept
}

fn kept_by_file(desired: &Organization) -> BTreeSet<&str> {
    let mut in_use = BTreeSet::new();
    for team in desired.teams.values() {
        if let Some(members) = &team.members {
            in_use.extend(members.robots.iter().map(String::as_str));
        }
    }
    for repository in desired.repositories.values() {
        if let Some(robots) = &repository.permissions.robots {
            in_use.extend(robots.keys().map(String::as_str));
        }
    }
    let mirrors = desired
        .repositories
        .values()
        .filter_map(|repository| repository.mirror.as_ref());
    in_use.extend(mirrors.map(|mirror| mirror.robot.as_str()));
    in_use
}
