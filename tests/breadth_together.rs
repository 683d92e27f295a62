//! Issue 15's "done when", on one organization declaring all of it at once: the six
//! notification methods with each `event_config` kind, every mirror option, a robot's
//! federation and an OIDC-synced team. On quay-sim 3.12, 3.15, 3.17 and head: create
//! converges (once the e-mail address is confirmed), a second run writes nothing, drift (a
//! notification's URL changed, one deleted, one disabled by failures, the federation subject
//! changed) is fixed with the fewest writes, and export round-trips to an empty plan. Where a
//! version lacks something (federation before 3.13, the architecture filter before 3.17), the
//! plan names it and everything else converges.

mod common;

use common::*;
use quay_sim::{Authentication, Config, QuaySim, QuayVersion};
use serde_json::Value;

const ORG: &str = "breadth";
const EMAIL: &str = "ops@example.com";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:acme/api:ref:refs/heads/main";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}
quay_organization: {ORG}
quay_organization_email: breadth@example.com
robots:
  - name: mirrorbot
  - name: deployer
    desc: pushes from CI
    federation:
      - {{issuer: \"{ISSUER}\", subject: \"{SUBJECT}\"}}
teams:
  - name: developers
    group_name: acme-developers
    members: {{robots: [deployer]}}
  - name: security
repositories:
  - name: api
    notification:
      - {{event: repo_push, method: slack, title: pushes to api, config: {{url: \"https://hooks.slack.com/services/T0/B0/XX\"}}}}
      - {{event: vulnerability_found, method: quay_notification, config: {{target: {{kind: team, name: security}}}}, event_config: {{level: 1}}}}
      - {{event: build_failure, method: webhook, config: {{url: https://ci.example.com/hook, template: '{{\"text\": \"${{repository}}\"}}'}}, event_config: {{ref-regex: \"^refs/heads/main$\"}}}}
      - {{event: repo_image_expiry, method: flowdock, config: {{flow_api_token: flow-secret-1}}, event_config: {{days: 7}}}}
      - {{event: build_success, method: hipchat, config: {{notification_token: hip-secret-2, room_id: \"42\"}}}}
      - {{event: repo_push, method: email, config: {{email: {EMAIL}}}}}
  - name: alpine
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      robot_username: mirrorbot
      sync_interval: 86400
      sync_start_date: \"2026-12-01T02:00:00Z\"
      skopeo_timeout_interval: 600
      architecture_filter: [amd64, arm64]
    notification:
      - {{event: repo_mirror_sync_failed, method: webhook, config: {{url: https://hooks.example.com/mirror}}}}
"
    )
}

fn quay(version: QuayVersion) -> QuaySim {
    sim_with(Config {
        version,
        ldap: false,
        authentication: Authentication::Oidc,
        mailing: true,
        image_expiry_trigger: true,
        sparse_index: true,
        ..base_config()
    })
}

fn fixture(quay: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", &org_file());
    fixture
}

/// What this version lacks, as (the exit code of a converged run, the problem texts).
fn lacking(version: QuayVersion) -> (i32, Vec<&'static str>) {
    let federation = "robot federation (keyless robot auth) needs Quay 3.13 or newer";
    let filter = "mirroring only some architectures needs Quay 3.17 or newer";
    match version {
        QuayVersion::V3_12 => (1, vec![federation, filter]),
        QuayVersion::V3_15 => (1, vec![filter]),
        _ => (0, vec![]),
    }
}

/// The desired organizations without what `version` cannot have (and is told as a problem).
fn applicable(fixture: &Fixture, version: QuayVersion) -> Vec<mqc::model::DesiredOrganization> {
    let mut desired = fixture.desired();
    for d in &mut desired {
        let org = &mut d.organization;
        if version < QuayVersion::V3_15 {
            org.robot_federation.clear();
        }
        if version < QuayVersion::V3_17 {
            if let Some(alpine) = org.repositories.get_mut("alpine") {
                alpine.mirror = None;
                alpine.state = mqc::model::RepoState::Normal;
            }
        }
    }
    desired
}

fn repo(state: &Value, name: &str) -> Value {
    state["organizations"][ORG]["repositories"][name].clone()
}

fn notification_count(quay: &QuaySim, name: &str) -> usize {
    repo(&quay.state(), name)["notifications"]
        .as_array()
        .map_or(0, Vec::len)
}

fn all(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn everything_together_converges_drift_takes_the_fewest_writes_and_export_round_trips() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let (code, problems) = lacking(version);
        let quay = quay(version);
        let fixture = fixture(&quay);

        // First run: everything but the e-mail notification, whose address Quay is asked to
        // confirm (one mail).
        let first = fixture.mqc(&["create"]);
        first.expect_code(code);
        for problem in &problems {
            assert!(
                all(&first).contains(problem),
                "{version:?}: {}",
                all(&first)
            );
        }
        assert_eq!(notification_count(&quay, "api"), 5, "{version:?}");
        quay.confirm_email(ORG, "api", EMAIL).unwrap();
        fixture.mqc(&["create"]).expect_code(code);

        let state = quay.state();
        assert_eq!(notification_count(&quay, "api"), 6, "{version:?}");
        assert_eq!(notification_count(&quay, "alpine"), 1, "{version:?}");
        let org = &state["organizations"][ORG];
        assert_eq!(
            org["teams"]["developers"]["sync"]["group_name"], "acme-developers",
            "{version:?}: {:#}",
            org["teams"]["developers"]
        );
        let federation = &org["robots"]["deployer"]["federation"];
        let mirror = &repo(&state, "alpine")["mirror"];
        if version >= QuayVersion::V3_15 {
            assert_eq!(federation[0]["subject"], SUBJECT, "{version:?}");
        }
        if version >= QuayVersion::V3_17 {
            assert_eq!(mirror["skopeo_timeout_interval"], 600, "{version:?}");
            assert_eq!(mirror["sync_start_date"], "2026-12-01T02:00:00Z");
            assert_eq!(mirror["architecture_filter"][1], "arm64");
        } else {
            // The filter cannot be applied: the mirror is left out, the rest is there.
            assert!(mirror.is_null(), "{version:?}: {mirror:#}");
        }
        assert_converged(
            &state,
            &orgs_on(&applicable(&fixture, version), QUAY1),
            "admin",
        );

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(code);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: a second run writes nothing: {:#?}",
            quay.stats().by_route
        );

        // Drift: a URL changed, one deleted, one disabled by failures, the subject changed.
        quay.with_state(|state| {
            let api = state.repository_mut(ORG, "api").unwrap();
            for n in &mut api.notifications {
                if n.config["url"] == "https://ci.example.com/hook" {
                    n.config["url"] = "https://old-ci.example.com/hook".into();
                }
            }
            api.notifications.retain(|n| n.method != "hipchat");
        });
        quay.set_notification_failures(ORG, "alpine", "url", "https://hooks.example.com/mirror", 3)
            .unwrap();
        let federated = version >= QuayVersion::V3_15;
        if federated {
            quay.set_robot_federation(ORG, "deployer", &[(ISSUER, "repo:acme/api:pull_request")])
                .unwrap();
        }
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(code);
        // A replacement (DELETE + POST), a create, a reset, and one federation POST.
        let fewest = if federated { 5 } else { 4 };
        assert_eq!(
            quay.stats().writes,
            fewest,
            "{version:?}: {:#?}",
            quay.stats().by_route
        );
        assert_converged(
            &quay.state(),
            &orgs_on(&applicable(&fixture, version), QUAY1),
            "admin",
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(code);
        assert_eq!(quay.stats().writes, 0, "{version:?}");

        // Export writes what this Quay has; planning from it changes nothing.
        let text = fixture.export_instead_of("org.yaml", ORG);
        for expected in ["group_name: acme-developers", "event: vulnerability_found"] {
            assert!(text.contains(expected), "{version:?}: {expected}\n{text}");
        }
        assert_eq!(
            text.contains("federation:"),
            federated,
            "{version:?}\n{text}"
        );
        quay.reset_stats();
        fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}");
    }
}
