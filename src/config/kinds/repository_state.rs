//! `repositories[].state`: a repository's state, `normal` or `read_only` (absent = not
//! managed). A mirrored repository (`mirror: true`) is in Quay's state `MIRROR`: `state`
//! beside it is an error. Planned with the mirror's state change (`MirrorOp::SetRepositoryState`,
//! Quay's `changestate`, which exists only with `FEATURE_REPO_MIRROR`).

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::decode::{Decoder, Fields};
use crate::config::validate::Checker;
use crate::model::RepoState;

/// The states a file may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RepositoryStateEntry {
    Normal,
    ReadOnly,
}

impl Decoder<'_> {
    /// `state` of a repository map, `None` when absent (or not one of the two: reported).
    pub(in crate::config) fn repository_state(
        &mut self,
        f: &Fields,
    ) -> Option<RepositoryStateEntry> {
        self.choice(
            f,
            "state",
            &[
                ("normal", RepositoryStateEntry::Normal),
                ("read_only", RepositoryStateEntry::ReadOnly),
            ],
            false,
        )
    }
}

/// `state` beside `mirror: true` contradicts it.
pub(in crate::config) fn check(
    c: &mut Checker<'_>,
    path: &str,
    state: Option<RepositoryStateEntry>,
    mirrored: bool,
) {
    if state.is_some() && mirrored {
        c.error(
            &format!("{path}.state"),
            format!(
                "`{path}.state` cannot be given with `mirror: true`: a mirrored repository is in \
                 Quay's state MIRROR"
            ),
            Some("remove `state`, or set `mirror: false`".into()),
        );
    }
}

/// The model's declared state.
pub(in crate::config) fn to_model(state: Option<RepositoryStateEntry>) -> Option<RepoState> {
    state.map(|s| match s {
        RepositoryStateEntry::Normal => RepoState::Normal,
        RepositoryStateEntry::ReadOnly => RepoState::ReadOnly,
    })
}

/// For `export`: `read_only` only (a normal repository needs no `state`; a mirrored one has
/// `mirror: true`).
pub(in crate::config) fn from_model(
    state: RepoState,
    mirrored: bool,
) -> Option<RepositoryStateEntry> {
    (state == RepoState::ReadOnly && !mirrored).then_some(RepositoryStateEntry::ReadOnly)
}
