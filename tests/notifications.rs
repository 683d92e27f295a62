//! Repository notifications (issue 15), against quay-sim 3.12, 3.15, 3.17 and head: every
//! method and each `event_config` kind converge, a second run writes nothing, drift is fixed
//! with the fewest writes (a changed URL is one replacement = 2 writes, a deleted one 1, one
//! disabled by failures 1 reset), export round-trips; e-mail addresses are confirmed first
//! (asked once, pending waits); what a Quay lacks (quota events before 3.18, mailing, the
//! image-expiry scanner) is a plan-time error while the rest converges; credentials are never
//! shown.

mod common;

use common::*;
use quay_sim::{Config, QuaySim, QuayVersion};
use serde_json::Value;

const ORG: &str = "notified";
const SLACK_SECRET: &str = "T0SLACK/B0SLACK/slackSecretPath123";
const FLOW_SECRET: &str = "flowSecretToken456";
const HIPCHAT_SECRET: &str = "hipchatSecretToken789";
const EMAIL: &str = "ops@example.com";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}
quay_organization: {ORG}
quay_organization_email: notified@example.com
teams:
  - name: security
repositories:
  - name: api
    notification:
      - event: repo_push
        method: slack
        title: pushes to api
        config: {{url: \"https://hooks.slack.com/services/{SLACK_SECRET}\"}}
      - event: vulnerability_found
        method: quay_notification
        config: {{target: {{kind: team, name: security}}}}
        event_config: {{level: 1}}
      - event: build_failure
        method: webhook
        config: {{url: https://ci.example.com/hook, template: '{{\"text\": \"${{repository}}\"}}'}}
        event_config: {{ref-regex: \"^refs/heads/main$\"}}
      - event: repo_image_expiry
        method: webhook
        config: {{url: https://expiry.example.com/hook, title: expiring tags}}
        event_config: {{days: 7}}
      - event: build_success
        method: flowdock
        config: {{flow_api_token: {FLOW_SECRET}}}
      - event: build_queued
        method: hipchat
        config: {{notification_token: {HIPCHAT_SECRET}, room_id: \"42\"}}
      - event: build_start
        method: quay_notification
        config: {{target: {{kind: user, name: alice}}}}
      - event: repo_push
        method: email
        config: {{email: {EMAIL}}}
  - name: web
"
    )
}

fn quay(version: QuayVersion) -> QuaySim {
    sim_with(Config {
        version,
        mailing: true,
        image_expiry_trigger: true,
        ..base_config()
    })
}

fn fixture(quay: &QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn repo_state(quay: &QuaySim, repo: &str) -> Value {
    quay.state()["organizations"][ORG]["repositories"][repo].clone()
}

fn notifications(quay: &QuaySim, repo: &str) -> Vec<Value> {
    repo_state(quay, repo)["notifications"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Writes per route and method, as the sim counts them.
fn writes_by_route(quay: &QuaySim) -> Vec<(String, u64)> {
    let mut writes: Vec<(String, u64)> = quay
        .stats()
        .by_route
        .iter()
        .filter(|(route, _)| !route.starts_with("GET"))
        .map(|(route, count)| (route.clone(), *count))
        .collect();
    writes.sort();
    writes
}

fn all(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn every_method_converges_on_every_version_and_a_second_run_writes_nothing() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let quay = quay(version);
        let fixture = fixture(&quay, &org_file());
        // First run: the address is not authorized: asked once, the rest is created.
        let run = fixture.mqc(&["create"]);
        run.expect_code(0);
        assert!(
            run.stdout.contains(&format!(
                "+ ask {EMAIL} to confirm e-mail notifications of {ORG}/api"
            )),
            "{version:?}: {}",
            run.stdout
        );
        assert_eq!(notifications(&quay, "api").len(), 7, "{version:?}");
        assert_eq!(repo_state(&quay, "api")["confirmation_mails"], 1);
        assert!(notifications(&quay, "web").is_empty());

        // Pending: never asked again, the plan says it waits, nothing to do.
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(0);
        assert!(
            plan.stdout.contains(&format!(
                "! e-mail notification of {ORG}/api is waiting for {EMAIL} to confirm"
            )),
            "{version:?}: {}",
            plan.stdout
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}");
        assert_eq!(repo_state(&quay, "api")["confirmation_mails"], 1);

        // Confirmed: created; then nothing is left to do.
        quay.confirm_email(ORG, "api", EMAIL).unwrap();
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 1, "{version:?}");
        assert_eq!(notifications(&quay, "api").len(), 8);
        assert_converged(&quay.state(), &orgs_on(&fixture.desired(), QUAY1), "admin");
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: a second run has nothing to do"
        );
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(0);
    }
}

#[test]
fn drift_is_fixed_with_the_fewest_writes_and_export_round_trips() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        drift_on(version);
    }
}

fn drift_on(version: QuayVersion) {
    let quay = quay(version);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);
    quay.confirm_email(ORG, "api", EMAIL).unwrap();
    fixture.mqc(&["create"]).expect_code(0);

    // In Quay: the build webhook's URL changed, the flowdock one deleted, the slack one
    // disabled after failed deliveries.
    quay.with_state(|state| {
        let repo = state.repository_mut(ORG, "api").unwrap();
        for n in &mut repo.notifications {
            if n.config["url"] == "https://ci.example.com/hook" {
                n.config["url"] = "https://old-ci.example.com/hook".into();
            }
        }
        repo.notifications.retain(|n| n.method != "flowdock");
    });
    quay.set_notification_failures(
        ORG,
        "api",
        "url",
        &format!("https://hooks.slack.com/services/{SLACK_SECRET}"),
        3,
    )
    .unwrap();
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    for line in [
        "-/+ replace webhook notification on build_failure to https://old-ci.example.com/hook"
            .to_string(),
        format!("+ add flowdock notification on build_success on {ORG}/api"),
        format!(
            "! re-enable slack notification on repo_push to https://hooks.slack.com/[redacted] \
             (title \"pushes to api\") on {ORG}/api (Quay disabled it after 3 failed deliveries)"
        ),
    ] {
        assert!(plan.stdout.contains(&line), "{line}\n{}", plan.stdout);
    }
    assert!(
        plan.stdout
            .contains("Plan: 1 to create, 2 to update, 0 to remove"),
        "a replacement counts as an update: {}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(
        quay.stats().writes,
        4,
        "{version:?}: {:#?}",
        writes_by_route(&quay)
    );
    let writes = writes_by_route(&quay);
    assert_eq!(writes.iter().map(|(_, n)| n).sum::<u64>(), 4, "{writes:#?}");
    assert!(
        writes.iter().any(|(route, n)| route.contains("DELETE")
            && route.contains("notification")
            && *n == 1),
        "{writes:#?}"
    );
    assert_converged(&quay.state(), &orgs_on(&fixture.desired(), QUAY1), "admin");
    assert!(notifications(&quay, "api")
        .iter()
        .all(|n| n["number_of_failures"] == 0));
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);

    // Export writes every notification (with its credentials, so mode 0600); planning the
    // exported file finds nothing to do.
    let exported = fixture.export_instead_of("org.yaml", ORG);
    for text in [
        "flowdock",
        "hipchat",
        "ref-regex",
        "level: 1",
        "days: 7",
        "template",
    ] {
        assert!(exported.contains(text), "{text}: {exported}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fixture.dir().join(format!("{ORG}.yaml")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(0);
}

#[test]
fn absent_is_not_managed_and_a_declared_list_is_exact() {
    let quay = quay(QuayVersion::Head);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nquay_organization_email: notified@example.com\nrepositories:\n  - name: api\n    \
             notification:\n      - {{event: repo_push, method: webhook, config: {{url: https://a.example.com/h}}}}\n  - name: web\n"
        ),
    );
    fixture.mqc(&["create"]).expect_code(0);
    // Someone adds a notification to each repository in Quay.
    for repo in ["api", "web"] {
        quay.with_state(|state| {
            let r = state.repository_mut(ORG, repo).unwrap();
            let mut extra =
                r.notifications
                    .first()
                    .cloned()
                    .unwrap_or_else(|| quay_sim::model::Notification {
                        uuid: "extra-web".into(),
                        event: "repo_push".into(),
                        method: "webhook".into(),
                        config: serde_json::json!({"url": "https://b.example.com/h"}),
                        event_config: serde_json::json!({}),
                        title: None,
                        number_of_failures: 0,
                    });
            extra.uuid = format!("extra-{repo}");
            extra.event = "build_failure".into();
            r.notifications.push(extra);
        });
    }
    quay.reset_stats();
    let run = fixture.mqc(&["create"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(&format!(
            "- remove webhook notification on build_failure to https://a.example.com/h from {ORG}/api"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(quay.stats().writes, 1);
    assert_eq!(notifications(&quay, "api").len(), 1);
    assert_eq!(notifications(&quay, "web").len(), 1, "no list: left alone");
    let reads_of_web = quay
        .stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("GET") && route.contains("notification"))
        .map(|(_, n)| *n)
        .sum::<u64>();
    assert_eq!(reads_of_web, 1, "only api's list is read");
}

#[test]
fn quota_events_need_3_18_and_the_rest_converges() {
    let yaml = format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nquay_organization_email: notified@example.com\nrepositories:\n  - name: api\n    \
         notification:\n      - {{event: quota_warning, method: webhook, config: {{url: https://q.example.com/h}}}}\n      \
         - {{event: repo_push, method: webhook, config: {{url: https://a.example.com/h}}}}\n"
    );
    let old = quay(QuayVersion::V3_17);
    let on_old = fixture(&old, &yaml);
    let check = on_old.mqc(&["check"]);
    assert!(
        all(&check).contains("Quay never fires `quota_warning` on a repository notification"),
        "{}",
        all(&check)
    );
    let run = on_old.mqc(&["create"]);
    run.expect_code(1);
    assert!(
        all(&run).contains(&format!(
            "org.yaml:7:7: the webhook notification on quota_warning to https://q.example.com/h of \
             repository `{ORG}/api` needs Quay 3.18 or newer (older ones have no quota events)"
        )),
        "{}",
        all(&run)
    );
    let hooks = notifications(&old, "api");
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["event"], "repo_push");

    let new = quay(QuayVersion::V3_18);
    fixture(&new, &yaml).mqc(&["create"]).expect_code(0);
    assert_eq!(notifications(&new, "api").len(), 2);

    // With billing on Quay shows no version (and a build from source may show a stale one,
    // as quay/quay HEAD ffba0c70 says "Quay v3.11.0"): the 3.18 routes of the discovery
    // document decide.
    let unversioned = sim_with(Config {
        version: QuayVersion::Head,
        billing: true,
        ..base_config()
    });
    fixture(&unversioned, &yaml).mqc(&["create"]).expect_code(0);
    assert_eq!(notifications(&unversioned, "api").len(), 2);
}

#[test]
fn without_mailing_or_the_expiry_scanner_the_plan_names_the_flag() {
    let quay = sim_with(Config {
        version: QuayVersion::Head,
        mailing: false,
        image_expiry_trigger: false,
        ..base_config()
    });
    let fixture = fixture(&quay, &org_file());
    let run = fixture.mqc(&["create", "--output", "json"]);
    run.expect_code(1);
    let json = run.json();
    let problems = json["targets"][0]["problems"].as_array().unwrap().clone();
    let messages: Vec<&str> = problems
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains("needs FEATURE_MAILING")
            && m.contains("enable FEATURE_MAILING on that Quay or remove the notification")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("needs FEATURE_IMAGE_EXPIRY_TRIGGER")),
        "{messages:#?}"
    );
    assert_eq!(problems[0]["problem"], "notification_unsupported");
    // The six others are there; no authorization was asked.
    assert_eq!(notifications(&quay, "api").len(), 6);
    assert_eq!(repo_state(&quay, "api")["confirmation_mails"], 0);
}

#[test]
fn credentials_are_never_shown() {
    let quay = quay(QuayVersion::Head);
    let fixture = fixture(&quay, &org_file());
    let mut outputs = Vec::new();
    for args in [
        &["plan"][..],
        &["plan", "--output", "json"],
        &["plan", "--output", "markdown"],
        &["create", "--output", "json", "--log-level", "debug"],
    ] {
        outputs.push(all(&fixture.mqc(args)));
    }
    // Drift, so that replacements and removals are shown too.
    quay.with_state(|state| {
        let repo = state.repository_mut(ORG, "api").unwrap();
        for n in &mut repo.notifications {
            n.title = Some("changed".into());
            n.number_of_failures = 5;
        }
    });
    outputs.push(all(&fixture.mqc(&["plan", "--output", "json"])));
    outputs.push(all(&fixture.mqc(&["create", "--log-level", "debug"])));
    for output in &outputs {
        for secret in [
            SLACK_SECRET,
            "slackSecretPath123",
            FLOW_SECRET,
            HIPCHAT_SECRET,
        ] {
            assert!(!output.contains(secret), "{secret} shown:\n{output}");
        }
    }
    assert!(outputs.iter().any(|o| o.contains("[redacted]")));
}

#[test]
fn check_refuses_what_quay_would_accept_and_break_on() {
    let quay = quay(QuayVersion::Head);
    let yaml = format!(
        "quay_endpoint: {QUAY1}
quay_organization: {ORG}
quay_organization_email: notified@example.com
repositories:
  - name: api
    notification:
      - {{event: vulnerability_found, method: webhook, config: {{url: https://a.example.com}}, event_config: {{level: High}}}}
      - {{event: repo_push, method: webhook, config: {{url: http://localhost:8080/h}}}}
      - {{event: repo_push, method: slack, config: {{url: http://hooks.slack.com/services/x}}}}
      - {{event: repo_push, method: webhook, config: {{email: a@b.example.com}}}}
      - {{event: repo_push, method: webhook, config: {{url: https://a.example.com}}, event_config: {{days: 3}}}}
      - {{event: build_failure, method: webhook, config: {{url: https://a.example.com}}, event_config: {{ref-regex: \"(\"}}}}
      - {{event: repo_push, method: quay_notification, config: {{target: {{kind: team, name: nosuch}}}}}}
      - {{event: repo_push, method: quay_notification, config: {{target: {{kind: org, name: other}}}}}}
      - {{event: repo_push, method: quay_notification, config: {{target: {{kind: user, name: {ORG}+bot}}}}}}
      - {{event: repo_image_expiry, method: webhook, config: {{url: https://b.example.com}}}}
      - {{event: repo_push, method: hipchat, config: {{room_id: \"1\"}}}}
      - {{event: repo_push, method: webhook, config: {{url: https://c.example.com}}}}
      - {{event: repo_push, method: webhook, config: {{url: https://c.example.com}}}}
"
    );
    let fixture = fixture(&quay, &yaml);
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let text = all(&run);
    for expected in [
        "org.yaml:7:115: error: `repositories[0].notification[0].event_config.level` must be a severity index from 0 to 5, found `High`",
        "write the severity index: 0 Critical, 1 High, 2 Medium, 3 Low, 4 Negligible, 5 Unknown",
        "org.yaml:8:59: error: webhook URL `http://localhost:8080/h` points at `localhost`, which Quay refuses for webhooks",
        "org.yaml:9:57: error: Slack URL `http://hooks.slack.com/[redacted]` must start with https://",
        "org.yaml:10:61: error: `repositories[0].notification[3].config.email` is not a setting of method `webhook`",
        "org.yaml:10:53: error: `repositories[0].notification[3].config` lacks `url`, which method `webhook` needs",
        "org.yaml:11:104: error: `repositories[0].notification[4].event_config.days` is not read by event `repo_push`",
        "`repo_push` reads no event config: remove `event_config`",
        "org.yaml:12:113: error: `repositories[0].notification[5].event_config.ref-regex` is not a valid regular expression",
        "org.yaml:13:91: error: notification target team `nosuch` is not declared in `teams`",
        "org.yaml:14:90: error: notification target organization `other` is not this organization `notified` (Quay fails on any other)",
        "org.yaml:15:91: error: notification target user `notified+bot` is a robot",
        "org.yaml:16:9: error: `repositories[0].notification[9].event_config` lacks `days`: Quay skips a `repo_image_expiry` notification without it",
        "org.yaml:17:53: error: `repositories[0].notification[10].config` lacks `notification_token`, which method `hipchat` needs",
        "org.yaml:19:9: error: webhook notification on repo_push to https://c.example.com is declared twice (first on line 18): Quay would deliver it twice",
    ] {
        assert!(text.contains(expected), "missing: {expected}\n{text}");
    }
    assert!(!text.contains("slackSecret"));
    assert_eq!(quay.stats().writes, 0);
}
