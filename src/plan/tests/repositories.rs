use super::builders::*;
use crate::model::Visibility;
use crate::plan::RepositoryOp;
use crate::plan::{Notice, ObjectRef, Op, PlanOptions};

#[test]
fn a_declared_missing_repository_is_created() {
    let desired = org().repo(
        "nested/demo",
        repo().description("Demo").visibility(Visibility::Private),
    );
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![Op::Repository(RepositoryOp::CreateRepository {
            repository: "nested/demo".into(),
            description: "Demo".into(),
            visibility: Visibility::Private
        })]
    );
}

#[test]
fn description_and_visibility_are_updated_separately() {
    let actual = quay_org().repo("alpine", quay_repo().description("old"));
    let desired = org().repo(
        "alpine",
        repo().description("new").visibility(Visibility::Private),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            Op::Repository(RepositoryOp::UpdateRepositoryDescription {
                repository: "alpine".into(),
                from: "old".into(),
                to: "new".into()
            }),
            Op::Repository(RepositoryOp::ChangeVisibility {
                repository: "alpine".into(),
                from: Visibility::Public,
                to: Visibility::Private
            }),
        ]
    );
    assert_eq!(plan.unchanged, 1);

    let desired = org().repo("alpine", repo().description("old"));
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 2);
}

#[test]
fn an_undeclared_repository_is_only_reported_whatever_the_options() {
    let actual = quay_org().repo("legacy", quay_repo());
    let everything = PlanOptions {
        prune_robots: true,
        prune_teams: true,
        sync_now: true,
        resend_mirror_credentials: true,
        token_user: Some(ME.into()),
        ..PlanOptions::default()
    };
    let plan = diff_with(&org(), Some(&actual), &everything);
    assert!(plan.is_empty());
    assert_eq!(
        plan.notices,
        vec![Notice::Unmanaged {
            object: ObjectRef::Repository("legacy".into())
        }]
    );
}
