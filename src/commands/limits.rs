//! What a target's Quay lacks, asked before planning: the features its declarations need
//! (`GET /config`, once per endpoint and run, only where a file declares a `group_dn` or a
//! mirror) and the users its file names that Quay does not show already
//! (`GET /api/v1/users/{name}`, once per name, endpoint and run). The planner turns both into
//! plan-time errors (`plan::Problem`).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Failure;
use crate::model::Organization;
use crate::plan::{self, Actual, Feature, Lack};
use crate::quay::QuayClient;

/// Whether planning `desired` depends on the endpoint's features at all.
fn needs_features(desired: &Organization) -> bool {
    desired.teams.values().any(|t| t.group_dn.is_some())
        || desired.repositories.values().any(|r| r.mirror.is_some())
        || !desired.auto_prune.is_empty()
        || !desired.immutability.is_empty()
}

/// The features `desired` needs that the client's endpoint lacks.
pub async fn lacking_features(
    client: &QuayClient,
    desired: &Organization,
) -> Result<BTreeMap<Feature, Lack>, Failure> {
    let mut lacks = BTreeMap::new();
    if !needs_features(desired) {
        return Ok(lacks);
    }
    let features = client.features().await.map_err(|err| {
        Failure::from_quay(&err).context(format!(
            "cannot read which features {} has",
            client.endpoint()
        ))
    })?;
    if !features.repo_mirror {
        lacks.insert(Feature::RepoMirror, Lack::Disabled);
    }
    if let Some(lack) = auto_prune_lack(client, desired, features.auto_prune).await? {
        lacks.insert(Feature::AutoPrune, lack);
    }
    // Quay before 3.17 has no `IMMUTABLE_TAGS` flag at all.
    if !desired.immutability.is_empty() {
        match features.immutable_tags {
            Some(true) => {}
            Some(false) => {
                lacks.insert(Feature::ImmutableTags, Lack::Disabled);
            }
            None => {
                lacks.insert(Feature::ImmutableTags, Lack::OlderThan("3.17".into()));
            }
        }
    }
    // `group_dn` is LDAP's sync key; other authentications sync by other keys, or not at all
    // ("Could not sync to group: Not supported" with Database), so it cannot be applied there.
    match features.authentication {
        _ if !features.team_syncing => {
            lacks.insert(Feature::TeamSyncing, Lack::Disabled);
        }
        Some(kind) if !kind.eq_ignore_ascii_case("LDAP") => {
            lacks.insert(Feature::TeamSyncing, Lack::Authentication(kind));
        }
        _ => {}
    }
    Ok(lacks)
}

/// What auto-prune lacks for `desired`: the flag, or (only asked when the file declares a
/// pattern or several policies in one scope) Quay 3.13's patterns, seen in the discovery
/// document's schema (`GET /api/v1/discovery`, once per run).
async fn auto_prune_lack(
    client: &QuayClient,
    desired: &Organization,
    enabled: bool,
) -> Result<Option<Lack>, Failure> {
    let policies = &desired.auto_prune;
    if policies.is_empty() {
        return Ok(None);
    }
    if !enabled {
        return Ok(Some(Lack::Disabled));
    }
    let scopes = policies
        .organization
        .iter()
        .chain(policies.repositories.values());
    let needs_3_13 = scopes
        .into_iter()
        .any(|list| list.len() > 1 || list.iter().any(|p| p.tag_pattern.is_some()));
    if !needs_3_13 {
        return Ok(None);
    }
    let capabilities = client.capabilities().await.map_err(|err| {
        Failure::from_quay(&err).context(format!(
            "cannot read which auto-prune policies {} supports",
            client.endpoint()
        ))
    })?;
    Ok((!capabilities.auto_prune_tag_pattern).then(|| Lack::OlderThan("3.13".into())))
}

/// The users `desired` would write that the endpoint does not have. Names the actual state
/// shows exist; the others are asked about (the client asks each name once per run).
pub async fn unknown_users(
    client: &QuayClient,
    desired: &Organization,
    actual: Actual<'_>,
    token_user: &str,
) -> Result<BTreeSet<String>, Failure> {
    let names = plan::users_to_check(desired, actual, Some(token_user));
    let answers = futures::future::join_all(
        names
            .iter()
            .map(|name| async move { (name, client.user_exists(name).await) }),
    )
    .await;
    let mut unknown = BTreeSet::new();
    for (name, answer) in answers {
        match answer {
            Ok(true) => {}
            Ok(false) => {
                unknown.insert(name.clone());
            }
            Err(err) => {
                return Err(Failure::from_quay(&err).context(format!(
                    "cannot check that user {name} exists on {} before writing",
                    client.endpoint()
                )))
            }
        }
    }
    Ok(unknown)
}
