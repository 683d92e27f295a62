//! What a target's Quay lacks, asked before planning: the features its declarations need
//! (`GET /config`, once per endpoint and run, only where a file declares a team sync, a
//! mirror, a repository `state`, a `quota` or a `tag_expiration`; a quota also needs
//! `GET /api/v1/user/`, asked once per client anyway; a robot `federation` needs
//! `GET /api/v1/discovery`, once per run) and the users its file names that Quay does not show already
//! (`GET /api/v1/users/{name}`, once per name, endpoint and run). The planner turns both into
//! plan-time errors (`plan::Problem`).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Failure;
use crate::model::Organization;
use crate::plan::{self, Actual, Feature, Lack};
use crate::quay::QuayClient;

/// The endpoint's features (`GET /config`, asked once per client and run).
async fn features(client: &QuayClient) -> Result<crate::quay::Features, Failure> {
    client.features().await.map_err(|err| {
        Failure::from_quay(&err).context(format!(
            "cannot read which features {} has",
            client.endpoint()
        ))
    })
}

/// What the endpoint's API offers (`GET /api/v1/discovery`, asked once per client and run):
/// the routes and request schemas that tell Quay versions apart.
async fn capabilities(client: &QuayClient) -> Result<crate::quay::Capabilities, Failure> {
    client.capabilities().await.map_err(|err| {
        Failure::from_quay(&err).context(format!(
            "cannot read the API description of {}",
            client.endpoint()
        ))
    })
}

/// Whether planning `desired` depends on the endpoint's features at all.
fn needs_features(desired: &Organization) -> bool {
    desired.teams.values().any(|t| t.sync.is_some())
        || desired
            .repositories
            .values()
            .any(|r| r.mirror.is_some() || r.declared_state.is_some())
        || desired.quota.is_some()
        || desired.tag_expiration_s.is_some()
        || !desired.auto_prune.is_empty()
        || !desired.immutability.is_empty()
}

/// The features `desired` needs that the client's endpoint lacks.
pub async fn lacking_features(
    client: &QuayClient,
    desired: &Organization,
) -> Result<BTreeMap<Feature, Lack>, Failure> {
    let mut lacks = BTreeMap::new();
    if desired
        .robot_federation
        .values()
        .any(|list| !list.is_empty())
    {
        // No flag: the route exists from Quay 3.13 on, and the discovery document lists it.
        let capabilities = capabilities(client).await?;
        if !capabilities.robot_federation {
            lacks.insert(Feature::RobotFederation, Lack::OlderThan("3.13".into()));
        }
    }
    if !needs_features(desired) {
        return Ok(lacks);
    }
    let features = features(client).await?;
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
    // Teams sync by LDAP's `group_dn` or OIDC's `group_name`; other authentications sync by
    // other keys, or not at all ("Could not sync to group: Not supported" with Database).
    // Which of the two a team may use is decided per team (`ServerLimits::authentication`).
    match &features.authentication {
        _ if !features.team_syncing => {
            lacks.insert(Feature::TeamSyncing, Lack::Disabled);
        }
        Some(kind) if !kind.eq_ignore_ascii_case("LDAP") && !kind.eq_ignore_ascii_case("OIDC") => {
            lacks.insert(Feature::TeamSyncing, Lack::Authentication(kind.clone()));
        }
        _ => {}
    }
    if desired.quota.is_some() {
        if let Some(lack) = quota_lack(client, &features).await? {
            lacks.insert(Feature::QuotaManagement, lack);
        }
    }
    if desired.tag_expiration_s.is_some() && !features.change_tag_expiration {
        lacks.insert(Feature::ChangeTagExpiration, Lack::Disabled);
    }
    if let Some(lack) = architecture_filter_lack(client, desired, &features).await? {
        lacks.insert(Feature::SparseIndex, lack);
    }
    Ok(lacks)
}

/// What a mirror's architecture filter lacks, asked only when a file declares a non-empty
/// one: Quay 3.17's `architecture_filter` (seen in the discovery document's mirror schema,
/// read once per run), then `FEATURE_SPARSE_INDEX`.
async fn architecture_filter_lack(
    client: &QuayClient,
    desired: &Organization,
    features: &crate::quay::Features,
) -> Result<Option<Lack>, Failure> {
    let filtered = desired.repositories.values().any(|repository| {
        repository
            .mirror
            .as_ref()
            .and_then(|m| m.options.architectures.as_ref())
            .is_some_and(|list| !list.is_empty())
    });
    if !filtered || !features.repo_mirror {
        return Ok(None);
    }
    let capabilities = capabilities(client).await?;
    Ok(if !capabilities.mirror_architecture_filter {
        Some(Lack::OlderThan("3.17".into()))
    } else if !features.sparse_index {
        Some(Lack::Disabled)
    } else {
        None
    })
}

/// The server's `AUTHENTICATION_TYPE`, when `desired` syncs a team (the features are read
/// once per endpoint and run, so this costs no request of its own).
pub async fn authentication(
    client: &QuayClient,
    desired: &Organization,
) -> Result<Option<String>, Failure> {
    if !desired.teams.values().any(|t| t.sync.is_some()) {
        return Ok(None);
    }
    let features = features(client).await?;
    Ok(features.authentication)
}

/// Why quotas cannot be written with this token: the feature is off, the token is not a
/// superuser's (with `super:user`), or Quay is 3.16+ (it says its version only from 3.16) and
/// superusers lack full access there.
async fn quota_lack(
    client: &QuayClient,
    features: &crate::quay::Features,
) -> Result<Option<Lack>, Failure> {
    if !features.quota_management {
        return Ok(Some(Lack::Disabled));
    }
    let who = client.whoami().await.map_err(|err| {
        Failure::from_quay(&err).context(format!(
            "cannot read who the token of {} belongs to",
            client.endpoint()
        ))
    })?;
    if !who.super_user {
        return Ok(Some(Lack::Superuser));
    }
    let full_access_needed = features.version.is_some_and(|v| v >= (3, 16));
    Ok((full_access_needed && !features.superusers_full_access)
        .then_some(Lack::SuperuserFullAccess))
}

/// The server's `TAG_EXPIRATION_OPTIONS`, when `desired` declares a time machine (the
/// features are read once per endpoint and run, so this costs no request of its own).
pub async fn tag_expiration_options(
    client: &QuayClient,
    desired: &Organization,
) -> Result<Option<Vec<String>>, Failure> {
    if desired.tag_expiration_s.is_none() {
        return Ok(None);
    }
    let features = features(client).await?;
    Ok(features.tag_expiration_options)
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
    let capabilities = capabilities(client).await?;
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

/// The declared notifications of `desired`, by repository.
fn declared_notifications(
    desired: &Organization,
) -> impl Iterator<Item = (&String, &crate::model::Notification)> {
    desired.repositories.iter().flat_map(|(name, repository)| {
        repository
            .notifications
            .iter()
            .flatten()
            .map(move |notification| (name, notification))
    })
}

/// What the endpoint lacks for the notifications `desired` declares: mailing (`email`), the
/// image-expiry scanner (`repo_image_expiry`, a flag from Quay 3.13), Quay 3.18's quota events
/// (the version `GET /config` shows, else the routes the discovery document lists). Asks
/// `GET /config` (once per endpoint and run) only when such a notification is declared.
pub async fn notification_lacks(
    client: &QuayClient,
    desired: &Organization,
) -> Result<BTreeSet<plan::NotificationNeed>, Failure> {
    use crate::model::{NotificationEvent, NotificationMethod, OrOther};
    use plan::NotificationNeed;
    let mut needs = BTreeSet::new();
    for (_, notification) in declared_notifications(desired) {
        if notification.method == OrOther::Known(NotificationMethod::Email) {
            needs.insert(NotificationNeed::Mailing);
        }
        match notification.event {
            OrOther::Known(NotificationEvent::RepoImageExpiry) => {
                needs.insert(NotificationNeed::ImageExpiryTrigger);
            }
            OrOther::Known(NotificationEvent::QuotaWarning | NotificationEvent::QuotaError) => {
                needs.insert(NotificationNeed::Quay318);
            }
            _ => {}
        }
    }
    if needs.is_empty() {
        return Ok(needs);
    }
    let features = features(client).await?;
    needs.retain(|need| match need {
        NotificationNeed::Mailing => !features.mailing,
        NotificationNeed::ImageExpiryTrigger => features.image_expiry_trigger == Some(false),
        NotificationNeed::Quay318 => features.version.is_none_or(|v| v < (3, 18)),
    });
    // The version Quay shows may be missing (billing on) or stale (a build from source):
    // the discovery document's 3.18 routes decide then (`GET /api/v1/discovery`, once per run).
    if needs.contains(&NotificationNeed::Quay318) {
        let capabilities = capabilities(client).await?;
        if capabilities.quay_3_18 {
            needs.remove(&NotificationNeed::Quay318);
        }
    }
    Ok(needs)
}

/// Whether the address of each declared `email` notification that Quay does not have yet may
/// receive them (`GET …/authorizedemail/{email}`, once per repository and address), where
/// the endpoint has mailing at all.
pub async fn email_authorizations(
    client: &QuayClient,
    desired: &Organization,
    actual: Actual<'_>,
    lacks: &BTreeSet<plan::NotificationNeed>,
) -> Result<BTreeMap<(String, String), crate::model::EmailAuthorization>, Failure> {
    let mut asks: BTreeSet<(String, String)> = BTreeSet::new();
    if lacks.contains(&plan::NotificationNeed::Mailing) {
        return Ok(BTreeMap::new());
    }
    for (repository, notification) in declared_notifications(desired) {
        let Some(email) = notification.email() else {
            continue;
        };
        let exists = actual
            .and_then(|org| org.repositories.get(repository))
            .and_then(|r| r.notifications.as_ref())
            .is_some_and(|list| list.iter().any(|n| n.same_as(notification)));
        if !exists {
            asks.insert((repository.clone(), email.to_string()));
        }
    }
    let existing_repo =
        |repository: &str| actual.is_some_and(|org| org.repositories.contains_key(repository));
    let answers = futures::future::join_all(asks.into_iter().map(|(repository, email)| async {
        let answer = if existing_repo(&repository) {
            client
                .notifications(desired.name.as_str(), &repository)
                .email_authorization(&email)
                .await
        } else {
            Ok(crate::model::EmailAuthorization::None)
        };
        ((repository, email), answer)
    }))
    .await;
    let mut out = BTreeMap::new();
    for ((repository, email), answer) in answers {
        match answer {
            Ok(authorization) => {
                out.insert((repository, email), authorization);
            }
            Err(err) => {
                return Err(Failure::from_quay(&err).context(format!(
                    "cannot read whether {email} may receive the notifications of {}/{repository}",
                    desired.name
                )))
            }
        }
    }
    Ok(out)
}
