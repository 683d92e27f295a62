//! Organization quota, time machine and repository state (issue 16): the diff rules that the
//! quay-sim tests do not reach.

use super::builders::*;
use crate::model::{Organization, Quota, QuotaLimit, QuotaLimitKind, RepoState};
use crate::plan::{
    Feature, Lack, MirrorOp, ObjectRef, Op, PlanOptions, ProblemKind, QuotaOp, ServerLimits,
    TagExpirationOp,
};

fn limit(kind: QuotaLimitKind, percent: u8, id: Option<u64>) -> QuotaLimit {
    QuotaLimit {
        kind,
        threshold_percent: percent,
        id,
    }
}

fn with_quota(
    mut org: Organization,
    limit_bytes: u64,
    limits: Vec<QuotaLimit>,
    id: Option<u64>,
) -> Organization {
    org.quota = Some(Quota {
        limit_bytes,
        limits,
        id,
    });
    org
}

#[test]
fn a_duplicate_limit_quay_holds_is_removed_and_the_declared_one_kept() {
    let desired = with_quota(
        org(),
        100,
        vec![limit(QuotaLimitKind::Warning, 80, None)],
        None,
    );
    let actual = with_quota(
        quay_org(),
        100,
        vec![
            limit(QuotaLimitKind::Warning, 80, Some(1)),
            limit(QuotaLimitKind::Warning, 80, Some(2)),
        ],
        Some(9),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![Op::Quota(QuotaOp::DeleteQuotaLimit {
            quota_id: 9,
            limit: limit(QuotaLimitKind::Warning, 80, Some(2)),
        })]
    );
}

#[test]
fn an_undeclared_quota_is_left_alone() {
    let actual = with_quota(quay_org(), 100, Vec::new(), Some(9));
    assert!(ops(&diff(&org(), Some(&actual))).is_empty());
}

#[test]
fn a_quota_the_endpoint_cannot_take_is_a_problem_and_no_op() {
    let desired = with_quota(org(), 100, Vec::new(), None);
    for lack in [Lack::Disabled, Lack::Superuser, Lack::SuperuserFullAccess] {
        let options = PlanOptions {
            limits: ServerLimits {
                lacks: [(Feature::QuotaManagement, lack.clone())].into(),
                ..ServerLimits::default()
            },
            ..options()
        };
        let plan = diff_with(&desired, Some(&quay_org()), &options);
        assert!(ops(&plan).is_empty(), "{lack:?}");
        assert_eq!(
            plan.problems[0].kind,
            ProblemKind::FeatureMissing {
                feature: Feature::QuotaManagement,
                lack,
                object: ObjectRef::Organization,
                field: "quota",
            }
        );
    }
}

#[test]
fn the_time_machine_is_compared_in_seconds_against_the_offered_options() {
    let mut desired = org();
    desired.tag_expiration_s = Some(1_209_600);
    let mut actual = quay_org();
    actual.tag_expiration_s = Some(1_209_600);
    let offered = PlanOptions {
        limits: ServerLimits {
            tag_expiration_options: Some(vec!["14d".into(), "4w".into()]),
            ..ServerLimits::default()
        },
        ..options()
    };
    assert!(ops(&diff_with(&desired, Some(&actual), &offered)).is_empty());
    actual.tag_expiration_s = Some(0);
    assert_eq!(
        ops(&diff_with(&desired, Some(&actual), &offered)),
        vec![Op::TagExpiration(TagExpirationOp::SetTagExpiration {
            from: Some(0),
            to: 1_209_600
        })]
    );
    desired.tag_expiration_s = Some(86_400);
    let plan = diff_with(&desired, Some(&actual), &offered);
    assert!(ops(&plan).is_empty());
    assert!(matches!(
        &plan.problems[0].kind,
        ProblemKind::ValueNotOffered { value, .. } if value == "1d"
    ));
}

#[test]
fn a_declared_state_is_one_change_and_an_undeclared_one_is_left_alone() {
    let state = |from, to| {
        Op::Mirror(MirrorOp::SetRepositoryState {
            repository: "app".into(),
            from,
            to,
        })
    };
    let mut read_only = repo();
    read_only.declared_state = Some(RepoState::ReadOnly);
    let desired = org().repo("app", read_only);
    for (have, planned) in [
        (
            RepoState::Normal,
            Some(state(RepoState::Normal, RepoState::ReadOnly)),
        ),
        // Left in MIRROR by a removed mirror: straight to the declared state.
        (
            RepoState::Mirror,
            Some(state(RepoState::Mirror, RepoState::ReadOnly)),
        ),
        (RepoState::ReadOnly, None),
        (RepoState::OrgMirror, None),
    ] {
        let actual = quay_org().repo("app", quay_repo().state(have.clone()));
        assert_eq!(
            ops(&diff(&desired, Some(&actual))),
            planned.into_iter().collect::<Vec<_>>(),
            "{have:?}"
        );
    }
    let undeclared = org().repo("app", repo());
    let actual = quay_org().repo("app", quay_repo().state(RepoState::ReadOnly));
    assert!(ops(&diff(&undeclared, Some(&actual))).is_empty());
}
