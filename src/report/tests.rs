use super::*;
use crate::apply::ChangeOutcome;
use crate::cli::OutputFormat;
use crate::model::{Endpoint, Role, Visibility};
use crate::plan::{Change, Grantee, Notice, ObjectRef, Op, Target, TargetPlan};
use crate::plan::{MirrorOp, NotificationOp, OrganizationOp, PermissionOp, RepositoryOp, RobotOp};

fn target_report(ops: Vec<Op>, notices: Vec<Notice>) -> TargetReport {
    TargetReport {
        target: Target {
            endpoint: Endpoint::parse("quay.example.com").unwrap(),
            organization: "exampleorg".into(),
        },
        source: "yaml-files/exampleorg.yaml".into(),
        error: None,
        refused: None,
        plan: Some(TargetPlan {
            target: Target {
                endpoint: Endpoint::parse("quay.example.com").unwrap(),
                organization: "exampleorg".into(),
            },
            changes: ops.into_iter().map(Change::new).collect(),
            notices,
            unchanged: 4,
            problems: Vec::new(),
        }),
        results: None,
        requests: RequestCount {
            reads: 3,
            writes: 0,
        },
    }
}

fn render(report: &RunReport) -> String {
    let mut out = Vec::new();
    write_plan(&mut out, report).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn plan_reads_as_a_diff_with_a_footer() {
    let report = RunReport::new(
        "create",
        true,
        vec![target_report(
            vec![
                Op::Robot(RobotOp::CreateRobot {
                    robot: "writer".into(),
                    description: String::new(),
                }),
                Op::Repository(RepositoryOp::CreateRepository {
                    repository: "nested/demo".into(),
                    description: String::new(),
                    visibility: Visibility::Private,
                }),
                Op::Permission(PermissionOp::RevokePermission {
                    repository: "alpine".into(),
                    grantee: Grantee::User("bob".into()),
                    role: Role::Read,
                }),
            ],
            vec![Notice::Unmanaged {
                object: ObjectRef::Robot("old".into()),
            }],
        )],
    );
    let text = render(&report);
    assert!(
        text.contains("      + create robot exampleorg+writer\n"),
        "{text}"
    );
    assert!(
        text.contains("      + create repository exampleorg/nested/demo (private)\n"),
        "{text}"
    );
    assert!(
        text.contains("      - revoke user bob on exampleorg/alpine (was read)\n"),
        "{text}"
    );
    assert!(text.contains("? unmanaged robot exampleorg+old"), "{text}");
    assert!(
        text.contains("Plan: 2 to create, 0 to update, 1 to remove, 4 unchanged, 1 unmanaged."),
        "{text}"
    );
}

#[test]
fn an_empty_plan_says_in_sync() {
    let report = RunReport::new("create", true, vec![target_report(vec![], vec![])]);
    let text = render(&report);
    assert!(text.contains("  exampleorg: in sync"), "{text}");
    assert!(
        text.contains("No changes: everything is in sync (4 unchanged, 0 unmanaged)."),
        "{text}"
    );
    assert!(!report.has_pending_changes());
}

#[test]
fn summary_lists_failures_and_counts_requests() {
    let mut target = target_report(
        vec![Op::Robot(RobotOp::CreateRobot {
            robot: "writer".into(),
            description: String::new(),
        })],
        vec![],
    );
    target.results = Some(vec![ChangeOutcome::Failed(crate::error::Failure::new(
        crate::error::FailureKind::Quay,
        "HTTP 400: Existing robot",
    ))]);
    target.requests = RequestCount {
        reads: 3,
        writes: 1,
    };
    let report = RunReport::new("create", false, vec![target]);
    assert!(report.has_failures());
    let mut out = Vec::new();
    write_summary(&mut out, &report).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("✗ exampleorg on https://quay.example.com: + create robot exampleorg+writer: HTTP 400: Existing robot"), "{text}");
    assert!(text.contains("0 created, 0 updated, 0 removed, 1 failed, 4 unchanged; 4 requests (3 reads, 1 writes)"), "{text}");
}

#[test]
fn json_report_is_one_document() {
    let report = RunReport::new(
        "create",
        true,
        vec![target_report(
            vec![Op::Organization(OrganizationOp::CreateOrganization {
                email: None,
            })],
            vec![],
        )],
    );
    let mut out = Vec::new();
    write_json(&mut out, &report).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["totals"]["create"], 1);
    assert_eq!(
        value["targets"][0]["plan"]["changes"][0]["op"],
        "create_organization"
    );
    assert_eq!(
        value["targets"][0]["target"]["endpoint"],
        "https://quay.example.com"
    );
}

#[test]
fn a_plan_with_unreadable_targets_does_not_claim_to_be_in_sync() {
    let mut target = target_report(vec![], vec![]);
    target.plan = None;
    target.error = Some(crate::error::Failure::new(
        crate::error::FailureKind::Quay,
        "the token for https://quay.example.com is invalid",
    ));
    let report = RunReport::new("create", true, vec![target]);
    let text = render(&report);
    assert!(!text.contains("everything is in sync"), "{text}");
    assert!(
        text.contains("No changes for the organizations that could be read"),
        "{text}"
    );
    assert!(
        text.contains("1 target(s) could not be planned; see above."),
        "{text}"
    );
    assert!(
        text.contains("✗ the token for https://quay.example.com is invalid"),
        "{text}"
    );
}

#[test]
fn passwords_in_proxy_and_webhook_urls_are_not_shown() {
    use crate::model::Mirror;
    use crate::plan::tests::builders;
    let mirror = |proxy: &str| {
        let mut mirror: Mirror = builders::mirror("writer");
        mirror.proxy.http_proxy = Some(proxy.into());
        mirror
    };
    let ops = vec![
        Op::Mirror(MirrorOp::UpdateMirror {
            repository: "alpine".into(),
            from: Box::new(mirror("http://u:old-s3cret@proxy:3128")),
            to: Box::new(mirror("http://u:new-s3cret@proxy:3128")),
        }),
        Op::Notification(NotificationOp::CreateNotification {
            repository: "alpine".into(),
            notification: Box::new(builders::webhook(
                "https://hook:hook-s3cret@hooks.example.com/x",
            )),
        }),
    ];
    let report = RunReport::new("plan", true, vec![target_report(ops, vec![])]);
    let human = render(&report);
    let mut json = Vec::new();
    write_json(&mut json, &report).unwrap();
    let json = String::from_utf8(json).unwrap();
    for text in [&human, &json] {
        assert!(!text.contains("s3cret"), "{text}");
        assert!(
            text.contains("hook:[redacted]@hooks.example.com/x"),
            "{text}"
        );
    }
    assert!(human.contains("http_proxy password changed"), "{human}");
    assert!(json.contains("u:[redacted]@proxy:3128"), "{json}");
}

#[test]
fn a_refused_plan_counts_nothing_as_done_and_fails_the_target() {
    let mut target = target_report(
        vec![Op::Permission(PermissionOp::RevokePermission {
            repository: "alpine".into(),
            grantee: Grantee::User("bob".into()),
            role: Role::Read,
        })],
        vec![],
    );
    let violation = crate::plan::SafetyViolation {
        message: "refusing".into(),
        excess: vec![crate::plan::Excess {
            kind: crate::plan::GuardedKind::Permissions,
            removals: 6,
            existing: 10,
            allowed: 5,
            removed: vec!["user bob on exampleorg/alpine".into()],
        }],
    };
    target.refused = Some(violation);
    let totals = target.totals();
    assert_eq!(
        (totals.remove, totals.refused, totals.target_errors),
        (0, 1, 0)
    );
    assert_eq!(totals.unchanged, 4);
    assert!(target.has_failures());
    let report = RunReport::new("plan", true, vec![target]);
    let text = render(&report);
    assert!(
        text.contains(
            "    ✗ refused by the safety threshold: 6 of 10 repository permissions to remove (at \
             most 5 allowed); nothing will be changed; if these removals are intended, re-run \
             with --force\n"
        ),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["targets"][0]["refused"]["kinds"][0]["kind"],
        "permissions"
    );
    assert_eq!(json["targets"][0]["refused"]["override"], "--force");
    assert_eq!(json["totals"]["remove"], 0);
}

#[test]
fn plan_time_errors_are_shown_with_their_place_and_fail_the_run() {
    use crate::model::Mention;
    use crate::plan::{Feature, Lack, Problem, ProblemKind};

    let mut target = target_report(vec![], vec![]);
    let plan = target.plan.as_mut().unwrap();
    plan.problems = vec![
        Problem {
            kind: ProblemKind::UnknownUser {
                user: "alcie".into(),
                did_you_mean: Some("alice".into()),
            },
            at: Some(Mention {
                line: 9,
                column: 17,
                key: "repositories[0].permissions.users[0].name".into(),
            }),
        },
        Problem {
            kind: ProblemKind::FeatureMissing {
                feature: Feature::TeamSyncing,
                lack: Lack::Disabled,
                object: ObjectRef::Team("readers".into()),
                field: "group_dn",
            },
            at: None,
        },
    ];
    let report = RunReport::new("plan", true, vec![target]);
    assert_eq!(report.totals.problems, 2);
    assert!(report.has_failures());
    let text = render(&report);
    assert!(!text.contains("in sync"), "{text}");
    assert!(
        text.contains(
            "    ✗ error: yaml-files/exampleorg.yaml:9:17: user `alcie` \
             (`repositories[0].permissions.users[0].name`) does not exist on \
             https://quay.example.com; did you mean `alice`? Correct the name in the file"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "    ✗ error: yaml-files/exampleorg.yaml: team syncing is not enabled on \
             https://quay.example.com: `group_dn` of team `readers` cannot be applied; enable \
             FEATURE_TEAM_SYNCING on that Quay or remove `group_dn` from the file"
        ),
        "{text}"
    );
    assert!(text.contains("2 error(s) in the plan"), "{text}");

    let mut out = Vec::new();
    write_json(&mut out, &report).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let problems = &json["targets"][0]["problems"];
    assert_eq!(problems[0]["problem"], "unknown_user");
    assert_eq!(problems[0]["user"], "alcie");
    assert_eq!(problems[0]["did_you_mean"], "alice");
    assert_eq!(problems[0]["at"]["line"], 9);
    assert_eq!(problems[0]["at"]["column"], 17);
    assert!(problems[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `alice`?"));
    assert_eq!(problems[1]["problem"], "feature_missing");
    assert_eq!(problems[1]["feature"], "TEAM_SYNCING");
    assert_eq!(problems[1]["lack"], "disabled");
    assert_eq!(
        problems[1]["object"],
        serde_json::json!({"kind": "team", "name": "readers"})
    );
    assert_eq!(problems[1]["field"], "group_dn");
    assert_eq!(json["totals"]["problems"], 2);
}

#[test]
fn an_endpoint_that_was_slowed_down_says_so_in_the_summary() {
    let mut report = RunReport::new("create", false, vec![target_report(vec![], vec![])]);
    let endpoint = crate::model::Endpoint::parse("quay.example.com").unwrap();
    report.endpoints = vec![
        super::EndpointPace::new(
            endpoint.clone(),
            crate::quay::PaceReport {
                lowest_rate: 4.8,
                rate: 6.25,
                lowest_concurrency: 16,
                throttled: 12,
                unavailable: 0,
                timed_out: 0,
            },
        ),
        super::EndpointPace::new(
            crate::model::Endpoint::parse("quay-dr.example.com").unwrap(),
            crate::quay::PaceReport {
                lowest_rate: 50.0,
                rate: 50.0,
                lowest_concurrency: 16,
                ..Default::default()
            },
        ),
    ];
    let mut out = Vec::new();
    write_summary(&mut out, &report).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.ends_with(
            "https://quay.example.com: slowed to 4.8 req/s after 12 × 429 (back to 6.3 req/s at \
             the end)\n"
        ),
        "{text}"
    );
    assert!(!text.contains("quay-dr"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["endpoints"][0]["throttled"], 12);
    assert_eq!(json["endpoints"][1]["slowed"], false);
}

fn markdown(report: &RunReport) -> String {
    let mut out = Vec::new();
    write(&mut out, OutputFormat::Markdown, report).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn plan_as_markdown_is_one_details_section_per_target() {
    let changed = target_report(
        vec![
            Op::Robot(RobotOp::CreateRobot {
                robot: "writer".into(),
                description: String::new(),
            }),
            Op::Permission(PermissionOp::RevokePermission {
                repository: "alpine".into(),
                grantee: Grantee::User("bob".into()),
                role: Role::Read,
            }),
        ],
        vec![Notice::Unmanaged {
            object: ObjectRef::Robot("old".into()),
        }],
    );
    let mut in_sync = target_report(vec![], vec![]);
    in_sync.target.organization = "other<org>".into();
    let report = RunReport::new("plan", true, vec![changed, in_sync]);
    assert_eq!(
        markdown(&report),
        "### mqc plan\n\n\
         **Plan: 1 to create, 0 to update, 1 to remove, 8 unchanged, 1 unmanaged.**\n\n\
         <details><summary>✓ exampleorg on https://quay.example.com: 1 to create, 0 to update, \
         1 to remove</summary>\n\n\
         File: `yaml-files/exampleorg.yaml`\n\n\
         ````diff\n\
         # robots\n\
         + create robot exampleorg+writer\n\
         # permissions\n\
         - revoke user bob on exampleorg/alpine (was read)\n\
         # notices\n\
         ? unmanaged robot exampleorg+old (kept; `--prune robots` deletes it)\n\
         ````\n\n\
         </details>\n\n\
         <details><summary>✓ other&lt;org&gt; on https://quay.example.com: in sync</summary>\n\n\
         File: `yaml-files/exampleorg.yaml`\n\n\
         </details>\n\n"
    );
}

#[test]
fn create_as_markdown_shows_each_outcome_that_is_not_applied() {
    let mut target = target_report(
        vec![
            Op::Robot(RobotOp::CreateRobot {
                robot: "writer".into(),
                description: String::new(),
            }),
            Op::Robot(RobotOp::CreateRobot {
                robot: "reader".into(),
                description: String::new(),
            }),
        ],
        vec![],
    );
    target.results = Some(vec![
        ChangeOutcome::Applied,
        ChangeOutcome::Failed(crate::error::Failure::new(
            crate::error::FailureKind::Quay,
            "HTTP 400: Existing robot",
        )),
    ]);
    let report = RunReport::new("create", false, vec![target]);
    let text = markdown(&report);
    assert!(text.starts_with("### mqc create\n\n**Total: 1 created, 0 updated, 0 removed, 1 failed, 4 unchanged; 3 requests (3 reads, 0 writes)**\n"), "{text}");
    assert!(
        text.contains("<details><summary>✗ exampleorg on https://quay.example.com: 1 created,"),
        "{text}"
    );
    assert!(
        text.contains("\n+ create robot exampleorg+writer\n"),
        "{text}"
    );
    assert!(
        text.contains("\n+ create robot exampleorg+reader  (failed: HTTP 400: Existing robot)\n"),
        "{text}"
    );
}
