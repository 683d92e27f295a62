use super::builders::*;
use crate::model::{Mirror, Proxy, RepoState, Repository};
use crate::plan::MirrorOp;
use crate::plan::{Op, Phase, PlanOptions};

fn with_puller(repository: Repository) -> crate::model::Organization {
    quay_org()
        .robot("puller", "")
        .robot("other", "")
        .repo("alpine", repository)
}

fn desired(mirror: Option<Mirror>) -> crate::model::Organization {
    let mut repository = repo();
    repository.mirror = mirror;
    org()
        .robot("puller", "")
        .robot("other", "")
        .repo("alpine", repository)
}

fn sync() -> Op {
    Op::Mirror(MirrorOp::SyncMirrorNow {
        repository: "alpine".into(),
    })
}

fn state(from: RepoState, to: RepoState) -> Op {
    Op::Mirror(MirrorOp::SetRepositoryState {
        repository: "alpine".into(),
        from,
        to,
    })
}

fn update(from: Mirror, to: Mirror) -> Op {
    Op::Mirror(MirrorOp::UpdateMirror {
        repository: "alpine".into(),
        from: Box::new(from),
        to: Box::new(to),
    })
}

#[test]
fn a_missing_mirror_is_created_and_synced_without_a_state_change() {
    let plan = diff(
        &desired(Some(mirror("puller"))),
        Some(&with_puller(quay_repo())),
    );
    assert_eq!(
        phased(&plan),
        vec![
            (
                Phase::Mirrors,
                Op::Mirror(MirrorOp::CreateMirror {
                    repository: "alpine".into(),
                    mirror: Box::new(mirror("puller"))
                })
            ),
            (Phase::Mirrors, sync()),
        ]
    );
}

#[test]
fn a_disabled_new_mirror_is_not_synced() {
    let mut disabled = mirror("puller");
    disabled.is_enabled = false;
    let plan = diff(
        &desired(Some(disabled.clone())),
        Some(&with_puller(quay_repo())),
    );
    assert_eq!(
        ops(&plan),
        vec![Op::Mirror(MirrorOp::CreateMirror {
            repository: "alpine".into(),
            mirror: Box::new(disabled)
        })]
    );
}

#[test]
fn a_matching_mirror_on_a_normal_repository_only_gets_the_state() {
    let actual = with_puller(quay_repo().mirror(mirror("puller")));
    let plan = diff(&desired(Some(mirror("puller"))), Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![state(RepoState::Normal, RepoState::Mirror)]
    );

    let actual = with_puller(
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::ReadOnly),
    );
    let plan = diff(&desired(Some(mirror("puller"))), Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![state(RepoState::ReadOnly, RepoState::Mirror)]
    );
}

#[test]
fn a_matching_mirror_in_mirror_state_is_unchanged() {
    let actual = with_puller(
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::Mirror),
    );
    let plan = diff(&desired(Some(mirror("puller"))), Some(&actual));
    assert!(plan.is_empty());
    // organization, two robots, repository, mirror
    assert_eq!(plan.unchanged, 5);
}

type Edit = Box<dyn Fn(&mut Mirror)>;

#[test]
fn every_compared_field_triggers_an_update_and_a_sync() {
    let base = mirror("puller");
    let changes: Vec<(&str, Edit)> = vec![
        (
            "external_reference",
            Box::new(|m| m.external_reference = "quay.io/x/y".into()),
        ),
        ("tags", Box::new(|m| m.tags.push("v1".into()))),
        (
            "tag order",
            Box::new(|m| m.tags = vec!["v1".into(), "latest".into()]),
        ),
        ("username", Box::new(|m| m.username = Some("puller".into()))),
        ("verify_tls", Box::new(|m| m.verify_tls = false)),
        ("unsigned_images", Box::new(|m| m.unsigned_images = true)),
        ("robot", Box::new(|m| m.robot = "other".into())),
        ("sync_interval", Box::new(|m| m.sync_interval = 60)),
        ("is_enabled", Box::new(|m| m.is_enabled = true)),
        (
            "proxy",
            Box::new(|m| {
                m.proxy = Proxy {
                    http_proxy: None,
                    https_proxy: Some("http://proxy:3128".into()),
                    no_proxy: None,
                }
            }),
        ),
    ];
    for (field, change) in changes {
        let mut have = base.clone();
        if field == "is_enabled" {
            have.is_enabled = false;
        }
        let mut want = have.clone();
        change(&mut want);
        if field == "tag order" {
            have.tags = vec!["latest".into(), "v1".into()];
        }
        let actual = with_puller(quay_repo().mirror(have.clone()).state(RepoState::Mirror));
        let plan = diff(&desired(Some(want.clone())), Some(&actual));
        assert_eq!(ops(&plan), vec![update(have, want), sync()], "{field}");
    }
}

#[test]
fn a_changed_disabled_mirror_is_updated_but_not_synced() {
    let mut have = mirror("puller");
    have.is_enabled = false;
    let mut want = have.clone();
    want.sync_interval = 60;
    let actual = with_puller(quay_repo().mirror(have.clone()).state(RepoState::Mirror));
    let plan = diff(&desired(Some(want.clone())), Some(&actual));
    assert_eq!(ops(&plan), vec![update(have, want)]);
}

#[test]
fn sync_now_syncs_every_enabled_mirror_once() {
    let sync_now = PlanOptions {
        sync_now: true,
        ..options()
    };
    let actual = with_puller(
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::Mirror),
    );
    let plan = diff_with(&desired(Some(mirror("puller"))), Some(&actual), &sync_now);
    assert_eq!(ops(&plan), vec![sync()]);
    // A changed one is synced once, not twice.
    let mut want = mirror("puller");
    want.sync_interval = 60;
    let plan = diff_with(&desired(Some(want.clone())), Some(&actual), &sync_now);
    assert_eq!(ops(&plan), vec![update(mirror("puller"), want), sync()]);
    // Disabled mirrors are not synced.
    let mut disabled = mirror("puller");
    disabled.is_enabled = false;
    let actual = with_puller(
        quay_repo()
            .mirror(disabled.clone())
            .state(RepoState::Mirror),
    );
    let plan = diff_with(&desired(Some(disabled)), Some(&actual), &sync_now);
    assert!(plan.is_empty());
}

#[test]
fn an_undeclared_mirror_is_disabled_and_the_repository_set_back_to_normal() {
    let actual = with_puller(
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::Mirror),
    );
    let plan = diff(&desired(None), Some(&actual));
    let mut disabled = mirror("puller");
    disabled.is_enabled = false;
    assert_eq!(
        phased(&plan),
        vec![
            (Phase::Mirrors, update(mirror("puller"), disabled.clone())),
            (Phase::Mirrors, state(RepoState::Mirror, RepoState::Normal)),
        ]
    );

    // Each half alone.
    let actual = with_puller(
        quay_repo()
            .mirror(disabled.clone())
            .state(RepoState::Mirror),
    );
    let plan = diff(&desired(None), Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![state(RepoState::Mirror, RepoState::Normal)]
    );
    // An enabled config on a NORMAL repository is inert (Quay's worker only syncs repositories
    // in state MIRROR); `--prune robots` may read it only for its robot: left alone.
    let actual = with_puller(quay_repo().mirror(mirror("puller")));
    let plan = diff(&desired(None), Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);

    // Already disabled and NORMAL: nothing. A READ_ONLY state is not ours to change.
    for repo_state in [RepoState::Normal, RepoState::ReadOnly] {
        let actual = with_puller(
            quay_repo()
                .mirror(disabled.clone())
                .state(repo_state.clone()),
        );
        let plan = diff(&desired(None), Some(&actual));
        assert!(plan.is_empty(), "{repo_state:?}");
    }
    // No mirror at all, MIRROR state: back to NORMAL.
    let actual = with_puller(quay_repo().state(RepoState::Mirror));
    let plan = diff(&desired(None), Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![state(RepoState::Mirror, RepoState::Normal)]
    );
}

#[test]
fn mirror_ops_depend_on_their_robot() {
    let plan = diff(
        &desired(Some(mirror("puller"))),
        Some(&with_puller(quay_repo())),
    );
    let deps = plan.changes[0].op.depends_on();
    assert!(deps.contains(&crate::plan::ObjectRef::Robot("puller".into())));
}

#[test]
fn resend_mirror_credentials_sends_them_once_per_existing_mirror_with_a_username() {
    let resend = PlanOptions {
        resend_mirror_credentials: true,
        ..options()
    };
    let with_user = |robot: &str| Mirror {
        username: Some("reg-user".into()),
        ..mirror(robot)
    };
    let credentials = Op::Mirror(MirrorOp::ResendMirrorCredentials {
        repository: "alpine".into(),
        username: "reg-user".into(),
    });
    // Unchanged mirror: only the credentials, no sync.
    let actual = with_puller(
        quay_repo()
            .mirror(with_user("puller"))
            .state(RepoState::Mirror),
    );
    let plan = diff_with(&desired(Some(with_user("puller"))), Some(&actual), &resend);
    assert_eq!(phased(&plan), vec![(Phase::Mirrors, credentials.clone())]);
    assert_eq!(plan.count(crate::plan::ChangeKind::Update), 1);
    // Without the option: nothing.
    assert!(diff(&desired(Some(with_user("puller"))), Some(&actual)).is_empty());

    // A mirror created or updated in this run carries them already: no extra write.
    let plan = diff_with(
        &desired(Some(with_user("puller"))),
        Some(&with_puller(quay_repo())),
        &resend,
    );
    assert!(!ops(&plan).contains(&credentials), "{:?}", plan.changes);
    let plan = diff_with(&desired(Some(with_user("other"))), Some(&actual), &resend);
    assert!(!ops(&plan).contains(&credentials), "{:?}", plan.changes);

    // No registry username: nothing to send.
    let actual = with_puller(
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::Mirror),
    );
    assert!(diff_with(&desired(Some(mirror("puller"))), Some(&actual), &resend).is_empty());
}

#[test]
fn an_unknown_repository_state_is_changed_only_when_a_mirror_is_declared() {
    let odd = RepoState::Other("QUARANTINED".into());
    let actual = with_puller(quay_repo().mirror(mirror("puller")).state(odd.clone()));
    let plan = diff(&desired(Some(mirror("puller"))), Some(&actual));
    assert_eq!(ops(&plan), vec![state(odd.clone(), RepoState::Mirror)]);
    // No mirror declared: a state this mqc does not know is left alone.
    let actual = with_puller(quay_repo().state(odd));
    let plan = diff(&desired(None), Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
}
