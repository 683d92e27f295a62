//! Writes of team members.

use super::{create_once, Context};
use crate::plan::{Member, MemberOp};
use crate::quay::{robot_full_name, QuayError, Teams};

pub(super) async fn execute(cx: &Context<'_>, op: &MemberOp) -> Result<(), QuayError> {
    let teams = cx.client.teams(cx.org);
    match op {
        MemberOp::AddTeamMember { team, member } => {
            let name = member_name(cx.org, member);
            create_once(
                // `invited: true` in the answer is success too: Quay invited the user.
                || teams.add_member(team, &name),
                || teams.has_member(team, &name),
                Teams::is_already_member,
            )
            .await
        }
        MemberOp::RemoveTeamMember { team, member } => {
            teams
                .remove_member(team, &member_name(cx.org, member))
                .await
        }
    }
}

fn member_name(org: &str, member: &Member) -> String {
    match member {
        Member::User(user) => user.clone(),
        Member::Robot(robot) => robot_full_name(org, robot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_named_as_quay_expects() {
        assert_eq!(member_name("acme", &Member::Robot("ci".into())), "acme+ci");
        assert_eq!(member_name("acme", &Member::User("bob".into())), "bob");
    }
}
