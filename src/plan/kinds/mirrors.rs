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
    let from = m
        .options
        .sync_start
        .map(|at| format!(" from {at}"))
        .unwrap_or_default();
    let mut extra = String::new();
    if let Some(seconds) = m.options.skopeo_timeout_s {
        extra.push_str(&format!("; timeout {seconds} s"));
    }
    if let Some(list) = m.options.architectures.as_ref().filter(|a| !a.is_empty()) {
        let list = list.iter().cloned().collect::<Vec<_>>().join(", ");
        extra.push_str(&format!("; architectures {list}"));
    }
    format!(
        "from {} (tags {}; every {} s{from}; robot {}; {}{extra})",
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
    parts.extend(option_diff(from, to));
    parts.join("; ")
}

/// The declared options that differ, as `field a → b` (an option the file leaves out never
/// differs).
fn option_diff(from: &Mirror, to: &Mirror) -> Vec<String> {
    let changes = from.options.changes(&to.options, to.sync_interval);
    let (from, to) = (&from.options, &to.options);
    let none = || "(none)".to_string();
    let mut parts = Vec::new();
    if changes.sync_start {
        let shown = |at: Option<crate::model::SyncStart>| at.map_or_else(none, |at| at.to_string());
        parts.push(format!(
            "sync_start_date {} → {}",
            shown(from.sync_start),
            shown(to.sync_start)
        ));
    }
    if changes.skopeo_timeout {
        let shown = |s: Option<u64>| s.map_or_else(none, |s| s.to_string());
        parts.push(format!(
            "skopeo_timeout_interval {} → {}",
            shown(from.skopeo_timeout_s),
            shown(to.skopeo_timeout_s)
        ));
    }
    if changes.architectures {
        let shown = |a: &Option<std::collections::BTreeSet<String>>| match a {
            Some(list) if !list.is_empty() => {
                format!("[{}]", list.iter().cloned().collect::<Vec<_>>().join(", "))
            }
            _ => "(all)".to_string(),
        };
        parts.push(format!(
            "architecture_filter {} → {}",
            shown(&from.architectures),
            shown(&to.architectures)
        ));
    }
    parts
}
