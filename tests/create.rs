//! `mqc create`, `mqc plan` and `mqc delete` against quay-sim (issue 4).

mod common;

use common::*;
use quay_sim::{QuayVersion, RepoRole};
use serde_json::Value;

fn converge_examples(version: QuayVersion, mailing: bool) {
    let quay1 = sim(version, mailing);
    let quay2 = sim(version, mailing);
    let fixture = Fixture::examples(&quay1, &quay2);

    fixture.mqc(&["create"]).expect_code(0);
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");
    assert_converged(&quay2.state(), &orgs_on(&desired, QUAY2), "admin");
    // The replica holds only the replicated organization.
    let on_quay2: Vec<String> = quay2.state()["organizations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(on_quay2, ["basic-example-replicate-to"]);

    // A second run has nothing to write, and the dry run says so with exit 0.
    quay1.reset_stats();
    quay2.reset_stats();
    let second = fixture.mqc(&["create"]);
    second.expect_code(0);
    assert_eq!(quay1.stats().writes, 0, "{}", second.stdout);
    assert_eq!(quay2.stats().writes, 0, "{}", second.stdout);
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains("No changes: everything is in sync"),
        "{}",
        plan.stdout
    );
}

#[test]
fn examples_converge_on_every_endpoint_and_a_second_run_writes_nothing() {
    converge_examples(QuayVersion::Head, false);
}

#[test]
fn examples_converge_with_mailing_invites() {
    converge_examples(QuayVersion::Head, true);
}

#[test]
fn examples_converge_on_every_supported_quay_version() {
    for version in versions() {
        converge_examples(version, false);
    }
}

#[test]
fn dry_run_changes_nothing_and_reports_pending_changes() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);

    let run = fixture.mqc(&["create", "--dry-run", "--detailed-exitcode"]);
    run.expect_code(2);
    assert!(
        run.stdout
            .contains("+ create organization basic-example-mirror"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("+ create robot basic-example-mirror+writer"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Plan: "), "{}", run.stdout);
    assert_eq!(quay1.stats().writes, 0);
    assert_eq!(quay2.stats().writes, 0);

    let json = fixture.mqc(&["plan", "--output", "json"]);
    json.expect_code(0);
    let report = json.json();
    assert_eq!(report["dry_run"], true);
    assert!(report["totals"]["create"].as_u64().unwrap() > 10);
}

fn repo<'a>(state: &'a Value, org: &str, repo: &str) -> &'a Value {
    &state["organizations"][org]["repositories"][repo]
}

#[test]
fn drift_is_shown_then_fixed_with_exactly_the_writes_needed() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);

    // Drift behind mqc's back, one of each kind.
    let org = "basic-example-mirror";
    quay1
        .set_user_permission(org, "alpine", "alice", Some(RepoRole::Read))
        .unwrap(); // role changed
    quay1
        .set_user_permission(org, "nested/demorepo", "carol", Some(RepoRole::Write))
        .unwrap(); // added
    quay1
        .remove_team_member(org, "maintainers", "alice")
        .unwrap(); // member removed
    quay1
        .set_repo_description(org, "demorepo", "edited by hand")
        .unwrap(); // description
    quay1
        .set_mirror_tags(org, "alpine", vec!["latest".into()])
        .unwrap(); // mirror tags
    quay1
        .delete_notification("mirror-with-notification", "alpine", "0")
        .unwrap(); // notification

    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    for line in [
        "~ user alice on basic-example-mirror/alpine read → admin",
        "- revoke user carol on basic-example-mirror/nested/demorepo (was write)",
        "+ add user alice to team maintainers",
        "~ repository basic-example-mirror/demorepo description \"edited by hand\" → \"example of a repository without mirror\"",
        "~ mirror of basic-example-mirror/alpine: tags [latest] → [latest, v1]",
        "~ sync mirror of basic-example-mirror/alpine now",
        "+ add webhook notification on repo_mirror_sync_failed",
    ] {
        assert!(plan.stdout.contains(line), "missing `{line}` in\n{}", plan.stdout);
    }

    quay1.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    // One write per drifted object, plus the sync the changed mirror triggers.
    assert_eq!(quay1.stats().writes, 7, "{:?}", quay1.stats());
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn organizations_and_repositories_keep_their_ids_and_tags_across_runs() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);
    quay1
        .add_tags("basic-example-mirror", "demorepo", 12)
        .unwrap();
    let before = quay1.state();

    for _ in 0..3 {
        quay1
            .set_repo_description("basic-example-mirror", "demorepo", "drift")
            .unwrap();
        fixture.mqc(&["create"]).expect_code(0);
    }
    let after = quay1.state();
    for (name, org) in before["organizations"].as_object().unwrap() {
        assert_eq!(
            org["id"], after["organizations"][name]["id"],
            "org {name} id"
        );
        for (repo_name, r) in org["repositories"].as_object().unwrap() {
            let now = repo(&after, name, repo_name);
            assert_eq!(r["id"], now["id"], "{name}/{repo_name} id");
            assert_eq!(r["tags"], now["tags"], "{name}/{repo_name} tags");
        }
    }
    assert_eq!(repo(&after, "basic-example-mirror", "demorepo")["tags"], 12);
}

#[test]
fn undeclared_objects_survive_and_only_prune_removes_robots_and_teams() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);
    let org = "empty-repositories";
    quay1
        .create_repo(org, "handmade", quay_sim::Visibility::Private)
        .unwrap();
    quay1.create_robot(org, "handbot", "made by hand").unwrap();
    quay1
        .create_team(org, "handteam", quay_sim::TeamRole::Member)
        .unwrap();

    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(0);
    assert!(
        plan.stdout
            .contains("? unmanaged robot empty-repositories+handbot"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("? unmanaged team handteam"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("? unmanaged repository empty-repositories/handmade"),
        "{}",
        plan.stdout
    );

    fixture.mqc(&["create"]).expect_code(0);
    let state = quay1.state();
    let o = &state["organizations"][org];
    assert!(o["robots"]["handbot"].is_object());
    assert!(o["teams"]["handteam"].is_object());
    assert!(o["repositories"]["handmade"].is_object());

    fixture.mqc(&["create", "--prune", "robots"]).expect_code(0);
    let state = quay1.state();
    let o = &state["organizations"][org];
    assert!(o["robots"]["handbot"].is_null(), "robot pruned");
    assert!(
        o["teams"]["handteam"].is_object(),
        "teams not pruned with --prune robots"
    );
    fixture.mqc(&["create", "--prune"]).expect_code(0);
    let state = quay1.state();
    let o = &state["organizations"][org];
    assert!(o["teams"]["handteam"].is_null(), "team pruned");
    assert!(o["teams"]["owners"].is_object(), "owners is never pruned");
    assert!(
        o["repositories"]["handmade"].is_object(),
        "repositories are never deleted"
    );
}

#[test]
fn transient_faults_and_throttling_still_converge_in_one_run() {
    let config = quay_sim::Config {
        fault_rate: 0.1,
        throttle_rate: 0.1,
        ..base_config()
    };
    let quay1 = sim_with(config.clone());
    let quay2 = sim_with(config);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");
    assert_converged(&quay2.state(), &orgs_on(&desired, QUAY2), "admin");
}

#[test]
fn a_wrong_token_fails_its_endpoint_only() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.login(&[(QUAY1, TOKEN), (QUAY2, "not-the-right-token")]);

    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&quay2.base_url()) && all.contains("invalid"),
        "{all}"
    );
    assert!(
        !all.contains("not-the-right-token"),
        "the token leaked: {all}"
    );
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");
    assert_eq!(quay2.stats().writes, 0);
}

#[test]
fn an_endpoint_that_does_not_answer_fails_its_targets_only() {
    let quay1 = sim(QuayVersion::Head, false);
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut fixture = Fixture::new();
    let examples = Fixture::examples(&quay1, &quay1);
    for file in [
        "basic-example-mirror.yaml",
        "basic-example-replicate-to.yaml",
    ] {
        std::fs::copy(examples.dir().join(file), fixture.dir().join(file)).unwrap();
    }
    fixture.map(QUAY1, &quay1);
    fixture
        .endpoint_map
        .push(format!("{QUAY2}=http://127.0.0.1:{port}"));
    fixture.login(&[(QUAY1, TOKEN), (QUAY2, TOKEN)]);

    let run = fixture.mqc(&["create", "--timeout", "1"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(&format!("127.0.0.1:{port}")),
        "{}",
        run.stdout
    );
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");
}

#[test]
fn repository_with_team_permissions_terminates_and_converges() {
    let quay1 = sim(QuayVersion::Head, false);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "teams.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: teamperms\nteams:\n  - name: devs\n    \
             role: member\n  - name: ops\n    role: creator\nrepositories:\n  - name: app\n    \
             permissions:\n      teams:\n        - {{name: devs, role: write}}\n        - \
             {{name: ops, role: admin}}\n        - {{name: owners, role: read}}\n"
        ),
    );
    fixture.mqc(&["create"]).expect_code(0);
    let state = quay1.state();
    let perms = &repo(&state, "teamperms", "app")["team_permissions"];
    assert_eq!(perms["devs"], "write");
    assert_eq!(perms["ops"], "admin");
    assert_eq!(perms["owners"], "read");
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn delete_removes_exactly_the_declared_organizations_everywhere() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);
    quay1.create_org("keepme", "admin").unwrap();

    // Without a terminal and without --yes nothing is deleted.
    let refused = fixture.mqc(&["delete"]);
    refused.expect_code(2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(quay1.state()["organizations"].as_object().unwrap().len(), 6);

    fixture.remove_org("empty-repositories.yaml");
    let dry = fixture.mqc(&["delete", "--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("would delete basic-example-mirror"),
        "{}",
        dry.stdout
    );
    assert_eq!(quay1.state()["organizations"].as_object().unwrap().len(), 6);

    fixture.mqc(&["delete", "--yes"]).expect_code(0);
    let left: Vec<String> = quay1.state()["organizations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(left, ["empty-repositories", "keepme"]);
    assert!(quay2.state()["organizations"]
        .as_object()
        .unwrap()
        .is_empty());

    // Already absent is not an error.
    let again = fixture.mqc(&["delete", "--yes"]);
    again.expect_code(0);
    assert!(again.stdout.contains("already absent"), "{}", again.stdout);
}

#[test]
fn create_writes_a_json_report_for_ci() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    let run = fixture.mqc(&["create", "--output", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["command"], "create");
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["totals"]["failed"], 0);
    let writes = report["totals"]["writes"].as_u64().unwrap();
    assert_eq!(writes, quay1.stats().writes + quay2.stats().writes);
    let first = &report["targets"][0];
    assert_eq!(first["results"][0]["status"], "applied");
    assert!(first["requests"]["writes"].as_u64().unwrap() > 0);
}

#[test]
fn a_plan_removing_too_much_is_refused_until_forced() {
    let quay1 = sim(QuayVersion::Head, false);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    let users = ["alice", "bob", "carol"];
    let robots: Vec<String> = (1..=7).map(|i| format!("bot{i}")).collect();
    let org = |members: &[String]| {
        let robots_yaml: String = robots.iter().map(|r| format!("  - name: {r}\n")).collect();
        let member_yaml: String = members.iter().map(|m| format!("        - {m}\n")).collect();
        format!(
            "quay_endpoint: {QUAY1}\nquay_organization: guarded\nrobots:\n{robots_yaml}teams:\n  \
             - name: crew\n    members:\n      users: [{}]\n      robots:\n{member_yaml}",
            users.join(", ")
        )
    };
    fixture.write_org("guarded.yaml", &org(&robots));
    fixture.mqc(&["create"]).expect_code(0);

    // Dropping 6 of the team's 10 members is above max(5, 30 %) = 5.
    fixture.write_org("guarded.yaml", &org(&robots[..1]));
    quay1.reset_stats();
    let refused = fixture.mqc(&["create"]);
    refused.expect_code(1);
    let all = format!("{}{}", refused.stdout, refused.stderr);
    assert!(all.contains("6 of 10"), "{all}");
    assert!(all.contains("--force"), "{all}");
    assert_eq!(
        quay1.stats().writes,
        0,
        "nothing may be written for a refused plan"
    );

    fixture.mqc(&["create", "--force"]).expect_code(0);
    let state = quay1.state();
    let members = state["organizations"]["guarded"]["teams"]["crew"]["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 4);
}

#[test]
fn plan_and_delete_need_no_mirror_password_but_create_does() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    // Tokens only: the examples' mirror password is not in the login file.
    fixture.login_with(&[(QUAY1, TOKEN), (QUAY2, TOKEN)], &[]);

    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(0);
    assert!(plan.stdout.contains("to create"), "{}", plan.stdout);

    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(
        create.stderr.contains("no password for mirror user"),
        "{}",
        create.stderr
    );
    assert_eq!(quay1.stats().writes, 0);

    quay1.create_org("basic-example-mirror", "admin").unwrap();
    fixture.mqc(&["delete", "--yes"]).expect_code(0);
    assert!(quay1.state()["organizations"]
        .as_object()
        .unwrap()
        .is_empty());
}
