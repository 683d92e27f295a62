//! A repository's mirror configuration, its sync, and the repository state mirroring needs.

use std::collections::BTreeSet;

use serde::Serialize;

use super::KindOp;
use crate::model::{url_for_display, Mirror, RepoState};
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MirrorOp {
    SetRepositoryState {
        repository: String,
        from: RepoState,
        to: RepoState,
    },
    /// Boxed, like `UpdateMirror`'s: a mirror is four times the size of any other op, and a
    /// plan for a thousand organizations holds about a hundred thousand ops.
    CreateMirror {
        repository: String,
        mirror: Box<Mirror>,
    },
    UpdateMirror {
        repository: String,
        from: Box<Mirror>,
        to: Box<Mirror>,
    },
    SyncMirrorNow {
        repository: String,
    },
    /// A mirror PUT carrying only the registry username and its password from the login file
    /// (`--resend-mirror-credentials`): Quay never shows the password, so no diff sees a
    /// rotated one. The password is not in the plan.
    ResendMirrorCredentials {
        repository: String,
        username: String,
    },
}

impl MirrorOp {
    fn repository(&self) -> &str {
        match self {
            MirrorOp::SetRepositoryState { repository, .. }
            | MirrorOp::CreateMirror { repository, .. }
            | MirrorOp::UpdateMirror { repository, .. }
            | MirrorOp::SyncMirrorNow { repository }
            | MirrorOp::ResendMirrorCredentials { repository, .. } => repository,
        }
    }
}

impl KindOp for MirrorOp {
    fn phase(&self) -> Phase {
        Phase::Mirrors
    }

    fn kind(&self) -> ChangeKind {
        ChangeKind::Update
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Repository(self.repository().to_string())
    }

    fn needs(&self, needs: &mut BTreeSet<ObjectRef>) {
        match self {
            MirrorOp::CreateMirror { mirror: to, .. } | MirrorOp::UpdateMirror { to, .. } => {
                needs.insert(ObjectRef::Robot(to.robot.clone()));
            }
            _ => {}
        }
    }

    /// A mirror is configured (or disabled) before the repository state changes, and the sync
    /// is triggered last, on the final configuration.
    fn rank(&self) -> u8 {
        match self {
            MirrorOp::CreateMirror { .. } => 0,
            MirrorOp::UpdateMirror { .. } => 1,
            // Never on the same repository as a CreateMirror or UpdateMirror.
            MirrorOp::ResendMirrorCredentials { .. } => 1,
            MirrorOp::SetRepositoryState { .. } => 2,
            MirrorOp::SyncMirrorNow { .. } => 3,
        }
    }

    /// No state change or sync on a mirror configuration that did not apply.
    fn stops_sequence_on_failure(&self) -> bool {
        matches!(
            self,
            MirrorOp::CreateMirror { .. }
                | MirrorOp::UpdateMirror { .. }
                | MirrorOp::SetRepositoryState { .. }
        )
    }

    fn describe(&self, org: &str) -> String {
        match self {
            MirrorOp::SetRepositoryState {
                repository,
                from,
                to,
            } => format!("repository {org}/{repository} state {from} → {to}"),
            MirrorOp::CreateMirror { repository, mirror } => {
                format!("mirror {org}/{repository} {}", mirror_summary(mirror))
            }
            MirrorOp::UpdateMirror {
                repository,
                from,
                to,
            } => format!("mirror of {org}/{repository}: {}", mirror_diff(from, to)),
            MirrorOp::SyncMirrorNow { repository } => {
                format!("sync mirror of {org}/{repository} now")
            }
            MirrorOp::ResendMirrorCredentials {
                repository,
                username,
            } => format!(
                "mirror of {org}/{repository}: credentials of registry user {username} re-sent \
                 from the login file"
            ),
        }
    }
}

fn mirror_summary(m: &Mirror) -> String {
    format!(
        "from {} (tags {}; every {} s; robot {}; {})",
        m.external_reference,
        m.tags.join(", "),
        m.sync_interval,
        m.robot,
        if m.is_enabled { "enabled" } else { "disabled" }
    )
}

/// The fields of a mirror configuration that differ, as `field a → b`.
fn mirror_diff(from: &Mirror, to: &Mirror) -> String {
    let mut parts = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            parts.push(format!("{name} {a} → {b}"));
        }
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    field(
        "source",
        from.external_reference.clone(),
        to.external_reference.clone(),
    );
    field(
        "tags",
        format!("[{}]", from.tags.join(", ")),
        format!("[{}]", to.tags.join(", ")),
    );
    field("username", opt(&from.username), opt(&to.username));
    field(
        "verify_tls",
        from.verify_tls.to_string(),
        to.verify_tls.to_string(),
    );
    field(
        "unsigned_images",
        from.unsigned_images.to_string(),
        to.unsigned_images.to_string(),
    );
    field("robot", from.robot.clone(), to.robot.clone());
    field(
        "sync_interval",
        from.sync_interval.to_string(),
        to.sync_interval.to_string(),
    );
    field(
        "is_enabled",
        from.is_enabled.to_string(),
        to.is_enabled.to_string(),
    );
    field(
        "no_proxy",
        opt(&from.proxy.no_proxy),
        opt(&to.proxy.no_proxy),
    );
    // Proxy URLs are compared as they are but shown without their password.
    for (name, a, b) in [
        ("http_proxy", &from.proxy.http_proxy, &to.proxy.http_proxy),
        (
            "https_proxy",
            &from.proxy.https_proxy,
            &to.proxy.https_proxy,
        ),
    ] {
        if a != b {
            let shown = |v: &Option<String>| {
                v.as_deref()
                    .map_or_else(|| "(none)".into(), |v| url_for_display(v).into_owned())
            };
            let (a, b) = (shown(a), shown(b));
            parts.push(if a == b {
                format!("{name} password changed")
            } else {
                format!("{name} {a} → {b}")
            });
        }
    }
    parts.join("; ")
}
