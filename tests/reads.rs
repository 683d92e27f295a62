//! How mqc reads an organization (issue 14, item 4): team permissions come from one
//! `GET /organization/{org}/team/{team}/permissions` per team that holds any, when that is
//! fewer requests than one `GET …/permissions/team/` per repository, and the plan is the same
//! either way; `export` reads mirror configurations only where one can exist. Exact read
//! counts from the emulator's `by_route`.

mod common;

use common::*;
use quay_sim::{QuayVersion, RepoRole, Stats};
use serde_json::Value;

const ORG: &str = "readsorg";
const TEAM_PERMISSIONS: &str = "GET /api/v1/organization/{org}/team/{team}/permissions";
const REPO_TEAM_PERMISSIONS: &str = "GET /api/v1/repository/{repository}/permissions/team/";
const MIRROR: &str = "GET /api/v1/repository/{repository}/mirror";

fn route(stats: &Stats, key: &str) -> u64 {
    stats.by_route.get(key).copied().unwrap_or(0)
}

/// Six repositories, each declaring its team permissions (r5 declares none: `teams: []`),
/// three teams that will hold grants and one (`idle`) that holds none.
fn org_file(repos: &[usize]) -> String {
    let mut y = format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nteams:\n  - {{name: devs, role: \
         member}}\n  - {{name: ops, role: creator}}\n  - {{name: qa, role: member}}\n  - {{name: \
         idle, role: member}}\nrepositories:\n"
    );
    for r in repos {
        let teams = match r {
            5 => "[]".to_string(),
            _ if r % 2 == 0 => "[{name: devs, role: write}, {name: qa, role: read}]".into(),
            _ => "[{name: ops, role: admin}]".into(),
        };
        y.push_str(&format!(
            "  - name: r{r}\n    permissions:\n      teams: {teams}\n"
        ));
    }
    y
}

fn fixture(quay: &quay_sim::QuaySim, repos: &[usize]) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("reads.yaml", &org_file(repos));
    fixture
}

/// The pending changes of `mqc plan --output json`, without the target.
fn plan(fixture: &Fixture) -> Vec<Value> {
    let report = fixture
        .mqc(&["--output", "json", "plan"])
        .expect_code(0)
        .json();
    planned_changes(&report, &[])
        .into_iter()
        .map(|(_, change)| change)
        .collect()
}

fn mentions(change: &Value, repo: &str) -> bool {
    change.to_string().contains(&format!("\"{repo}\""))
}

#[test]
fn team_permissions_are_read_per_team_and_the_plan_is_the_one_per_repository_reads_give() {
    let quay = sim(QuayVersion::Head, false);
    let all = fixture(&quay, &[0, 1, 2, 3, 4, 5]);
    all.mqc(&["create"]).expect_code(0);

    // Drift behind mqc's back: a declared role changed, a declared grant removed, an undeclared
    // grant on a declared repository, a grant on a repository of `teams: []`, and a grant on a
    // repository the file does not declare (left alone).
    quay.create_repo(ORG, "undeclared", quay_sim::Visibility::Private)
        .unwrap();
    quay.set_team_permission(ORG, "r1", "ops", Some(RepoRole::Read))
        .unwrap();
    quay.set_team_permission(ORG, "r2", "qa", None).unwrap();
    quay.set_team_permission(ORG, "r3", "idle", Some(RepoRole::Write))
        .unwrap();
    quay.set_team_permission(ORG, "r5", "devs", Some(RepoRole::Read))
        .unwrap();
    quay.set_team_permission(ORG, "undeclared", "qa", Some(RepoRole::Admin))
        .unwrap();

    // Six repositories need their team map; four teams hold grants (devs, ops, qa, idle; owners
    // holds none): four team reads, no per-repository team read.
    quay.reset_stats();
    let bulk = plan(&all);
    let stats = quay.stats();
    assert_eq!(route(&stats, TEAM_PERMISSIONS), 4, "{:?}", stats.by_route);
    assert_eq!(
        route(&stats, REPO_TEAM_PERMISSIONS),
        0,
        "{:?}",
        stats.by_route
    );
    assert_eq!(bulk.len(), 4, "{bulk:#?}");
    for repo in ["r1", "r2", "r3", "r5"] {
        assert_eq!(
            bulk.iter().filter(|c| mentions(c, repo)).count(),
            1,
            "{repo}: {bulk:#?}"
        );
    }
    assert!(!bulk.iter().any(|c| mentions(c, "undeclared")), "{bulk:#?}");

    // The same repositories one file at a time: one repository needs its team map, fewer than
    // the four teams, so it is read per repository; its change is the same as above.
    for repo in [1, 2, 3, 5] {
        let one = fixture(&quay, &[repo]);
        quay.reset_stats();
        let single = plan(&one);
        let stats = quay.stats();
        assert_eq!(route(&stats, TEAM_PERMISSIONS), 0, "{:?}", stats.by_route);
        assert_eq!(
            route(&stats, REPO_TEAM_PERMISSIONS),
            1,
            "{:?}",
            stats.by_route
        );
        let name = format!("r{repo}");
        let from_bulk: Vec<&Value> = bulk.iter().filter(|c| mentions(c, &name)).collect();
        assert_eq!(single.iter().collect::<Vec<_>>(), from_bulk, "{name}");
    }

    // Applied, the drift is gone and the next plan is empty, read the cheap way again.
    all.mqc(&["create"]).expect_code(0);
    let state = quay.state();
    let teams =
        |repo: &str| state["organizations"][ORG]["repositories"][repo]["team_permissions"].clone();
    assert_eq!(teams("r1"), serde_json::json!({"ops": "admin"}));
    assert_eq!(
        teams("r2"),
        serde_json::json!({"devs": "write", "qa": "read"})
    );
    assert_eq!(teams("r3"), serde_json::json!({"ops": "admin"}));
    assert_eq!(teams("r5"), serde_json::json!({}));
    assert_eq!(teams("undeclared"), serde_json::json!({"qa": "admin"}));
    // `idle` lost its only grant: three teams hold grants now.
    quay.reset_stats();
    all.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(route(&quay.stats(), TEAM_PERMISSIONS), 3);
    assert_eq!(route(&quay.stats(), REPO_TEAM_PERMISSIONS), 0);
}

#[test]
fn teams_without_grants_are_not_read_at_all() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &[5]);
    fixture.mqc(&["create"]).expect_code(0);
    // r5 declares `teams: []` and no team holds a grant: nothing to read, nothing to change.
    quay.reset_stats();
    assert!(plan(&fixture).is_empty());
    let stats = quay.stats();
    assert_eq!(route(&stats, TEAM_PERMISSIONS), 0, "{:?}", stats.by_route);
    assert_eq!(
        route(&stats, REPO_TEAM_PERMISSIONS),
        0,
        "{:?}",
        stats.by_route
    );
    // A grant appears: r5's one read is no more than the one team's, so per repository.
    quay.set_team_permission(ORG, "r5", "qa", Some(RepoRole::Read))
        .unwrap();
    quay.reset_stats();
    assert_eq!(plan(&fixture).len(), 1);
    assert_eq!(route(&quay.stats(), REPO_TEAM_PERMISSIONS), 1);
}

#[test]
fn export_reads_mirrors_only_in_organizations_that_have_a_robot() {
    let quay = sim(QuayVersion::Head, false);
    for org in ["norobots", "withrobot"] {
        quay.create_org(org, "admin").unwrap();
        for repo in ["a", "b", "c"] {
            quay.create_repo(org, repo, quay_sim::Visibility::Private)
                .unwrap();
        }
    }
    quay.create_robot("withrobot", "builder", "").unwrap();
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    let out = fixture.dir().display().to_string();
    for (org, mirror_reads) in [("norobots", 0), ("withrobot", 3)] {
        quay.reset_stats();
        fixture
            .mqc(&[
                "--output",
                "json",
                "export",
                "--endpoint",
                QUAY1,
                "--organization",
                org,
                "--out",
                &out,
            ])
            .expect_code(0);
        let stats = quay.stats();
        assert_eq!(
            route(&stats, MIRROR),
            mirror_reads,
            "{org}: {:?}",
            stats.by_route
        );
        // Webhooks can be on any repository: read on every one.
        assert_eq!(
            route(&stats, "GET /api/v1/repository/{repository}/notification/"),
            3,
            "{org}"
        );
    }
}

#[test]
fn a_token_refused_the_team_permissions_reads_them_per_repository_with_the_same_plan() {
    // The org owner's token without `org:admin`: Quay still shows it the teams (`repo:create`
    // makes it a member), and repository admin covers `…/permissions/team/`, but
    // `team/{t}/permissions` wants an org admin: 403.
    const LIMITED: &str = "limited-token-0123";
    let quay = sim_with(quay_sim::Config {
        tokens: vec![
            quay_sim::TokenSpec::superuser(TOKEN),
            quay_sim::TokenSpec::new(
                LIMITED,
                "admin",
                [
                    quay_sim::Scope::RepoCreate,
                    quay_sim::Scope::RepoAdmin,
                    quay_sim::Scope::UserRead,
                ],
            ),
        ],
        ..base_config()
    });
    let all = fixture(&quay, &[0, 1, 2, 3, 4, 5]);
    all.mqc(&["create"]).expect_code(0);
    quay.set_team_permission(ORG, "r1", "ops", Some(RepoRole::Read))
        .unwrap();
    quay.set_team_permission(ORG, "r3", "idle", Some(RepoRole::Write))
        .unwrap();
    let bulk = plan(&all);
    assert_eq!(bulk.len(), 2, "{bulk:#?}");

    let mut limited = Fixture::new();
    limited.map(QUAY1, &quay);
    limited.login(&[(QUAY1, LIMITED)]);
    limited.write_org("reads.yaml", &org_file(&[0, 1, 2, 3, 4, 5]));
    quay.reset_stats();
    let fallback = plan(&limited);
    let stats = quay.stats();
    assert!(route(&stats, TEAM_PERMISSIONS) >= 1, "{:?}", stats.by_route);
    assert_eq!(
        route(&stats, REPO_TEAM_PERMISSIONS),
        6,
        "{:?}",
        stats.by_route
    );
    assert_eq!(fallback, bulk);
}
