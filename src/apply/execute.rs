//! Sends the writes of one planned [`Op`] to Quay.
//!
//! Creates are never sent twice blindly: when a create fails ambiguously (timeout, 502/504,
//! connection reset after sending; see [`QuayError::is_ambiguous`]) one GET checks whether the
//! object now exists, and the create is sent once more only if it does not. Removals treat
//! Quay's "already gone" answers as success, since a retried DELETE may meet its own effect.

use std::future::Future;

use time::OffsetDateTime;

use crate::model::{url_for_display, Mirror, MirrorCredentialKey, Proxy, RepoState, Secrets};
use crate::plan::{Grantee, Member, Op};
use crate::quay::{
    format_start_date, robot_full_name, Capabilities, MirrorCredentials, MirrorHandler,
    MirrorProxy, MirrorRegistryConfig, MirrorRequest, MirrorRootRule, NotificationRequest, Orgs,
    QuayClient, QuayError, Repos, Robots, Teams, WebhookConfig, SKOPEO_TIMEOUT_SECONDS,
};
use crate::state;

/// Sends the writes for `op` on `organization` through `client`.
pub async fn execute(
    client: &QuayClient,
    organization: &str,
    op: &Op,
    secrets: &Secrets,
) -> Result<(), QuayError> {
    let org = organization;
    match op {
        Op::CreateOrganization { email } => {
            let orgs = client.orgs(org);
            create_once(
                || orgs.create(email.as_deref()),
                || async { Ok(orgs.get().await?.is_some()) },
                Orgs::is_duplicate,
            )
            .await
        }
        Op::UpdateOrganizationEmail { to, .. } => client.orgs(org).update_email(to).await,

        Op::CreateRobot { robot, description } => {
            let robots = client.robots(org);
            create_once(
                || robots.create(robot, description),
                || async { Ok(robots.get(robot).await?.is_some()) },
                Robots::is_duplicate,
            )
            .await
        }
        Op::DeleteRobot { robot } => client.robots(org).delete(robot).await,

        Op::CreateTeam {
            team,
            role,
            description,
        }
        | Op::UpdateTeam {
            team,
            role,
            description,
            ..
        } => client
            .teams(org)
            .put(team, *role, description)
            .await
            .map(drop),
        Op::DeleteTeam { team } => client.teams(org).delete(team).await,
        Op::AddTeamMember { team, member } => {
            let teams = client.teams(org);
            let name = member_name(org, member);
            create_once(
                // `invited: true` in the answer is success too: Quay invited the user.
                || async { teams.add_member(team, &name).await.map(drop) },
                || async {
                    let members = teams.members(team).await?;
                    Ok(members.is_some_and(|view| {
                        view.members
                            .iter()
                            .any(|entry| entry.name.as_deref() == Some(name.as_str()))
                    }))
                },
                Teams::is_already_member,
            )
            .await
        }
        Op::RemoveTeamMember { team, member } => {
            client
                .teams(org)
                .remove_member(team, &member_name(org, member))
                .await
        }
        Op::EnableTeamSync { team, group_dn } => {
            let teams = client.teams(org);
            create_once(
                || teams.enable_sync(team, group_dn),
                || async {
                    let members = teams.members(team).await?;
                    Ok(members
                        .and_then(|view| view.synced)
                        .is_some_and(|synced| synced.group_dn() == Some(group_dn.as_str())))
                },
                |_| false,
            )
            .await
        }
        Op::DisableTeamSync { team } => client.teams(org).disable_sync(team).await,

        Op::CreateRepository {
            repository,
            description,
            visibility,
        } => {
            let repos = client.repos(org);
            create_once(
                || repos.create(repository, *visibility, description),
                || async { Ok(repos.get(repository).await?.is_some()) },
                Repos::is_duplicate,
            )
            .await
        }
        Op::UpdateRepositoryDescription { repository, to, .. } => {
            client.repos(org).set_description(repository, to).await
        }
        Op::ChangeVisibility { repository, to, .. } => {
            client.repos(org).change_visibility(repository, *to).await
        }
        Op::SetRepositoryState { repository, to, .. } => {
            if *to == RepoState::OrgMirror {
                return Err(client.error(format!(
                    "organization {org}, repository {repository}: the state ORG_MIRROR is set by \
                         organization-level mirroring, not through the repository API"
                )));
            }
            client.repos(org).change_state(repository, *to).await
        }

        Op::SetPermission {
            repository,
            grantee,
            role,
            ..
        } => {
            let permissions = client.permissions(org, repository);
            match grantee {
                Grantee::User(user) => permissions.set_user(user, *role).await,
                Grantee::Robot(robot) => {
                    permissions
                        .set_user(&robot_full_name(org, robot), *role)
                        .await
                }
                Grantee::Team(team) => permissions.set_team(team, *role).await,
            }
        }
        Op::RevokePermission {
            repository,
            grantee,
            ..
        } => {
            let permissions = client.permissions(org, repository);
            match grantee {
                Grantee::User(user) => permissions.revoke_user(user).await,
                Grantee::Robot(robot) => {
                    permissions.revoke_user(&robot_full_name(org, robot)).await
                }
                Grantee::Team(team) => permissions.revoke_team(team).await,
            }
        }

        Op::CreateMirror { repository, mirror } => {
            let credentials = mirror_credentials(client, org, repository, mirror, None, secrets)?;
            let capabilities = client.capabilities().await?;
            let request = mirror_request(
                org,
                mirror,
                credentials,
                &capabilities,
                Some(format_start_date(OffsetDateTime::now_utc())),
            );
            let handler = client.mirror(org, repository);
            create_once(
                || handler.create(&request),
                || async { Ok(handler.get().await?.is_some()) },
                MirrorHandler::is_duplicate,
            )
            .await
        }
        Op::UpdateMirror {
            repository,
            from,
            to,
        } => {
            let credentials = mirror_credentials(client, org, repository, to, Some(from), secrets)?;
            let capabilities = client.capabilities().await?;
            let mut request = mirror_request(org, to, credentials, &capabilities, None);
            if from.robot == to.robot {
                request.robot_username = None;
            }
            let handler = client.mirror(org, repository);
            if needs_proxy_first(from, to) {
                handler
                    .update_proxy(&request.external_registry_config.proxy)
                    .await?;
            }
            handler.update(&request).await
        }
        Op::SyncMirrorNow { repository } => client.mirror(org, repository).sync_now().await,
        Op::ResendMirrorCredentials {
            repository,
            username,
        } => {
            let key = MirrorCredentialKey {
                organization: org.to_string(),
                repository: repository.clone(),
                username: username.clone(),
            };
            let Some(password) = secrets.mirror_password(&key) else {
                return Err(QuayError::MissingMirrorPassword {
                    endpoint: client.endpoint().clone(),
                    via: client.via().cloned(),
                    organization: key.organization,
                    repository: key.repository,
                    username: key.username,
                });
            };
            client
                .mirror(org, repository)
                .update_credentials(username, password)
                .await
        }

        Op::CreateNotification {
            repository,
            notification,
        } => {
            let request = NotificationRequest {
                event: notification.event.as_str().to_string(),
                method: notification.method.as_str().to_string(),
                config: WebhookConfig {
                    url: notification.url.clone(),
                },
                event_config: serde_json::Map::new(),
                title: notification.title.clone().filter(|t| !t.is_empty()),
            };
            let handler = client.notifications(org, repository);
            create_once(
                || async { handler.create(&request).await.map(drop) },
                || async {
                    let existing = state::notifications_from_list(&handler.list().await?);
                    Ok(existing.iter().any(|n| n.same_as(notification)))
                },
                // Quay creates a duplicate rather than refusing one: nothing to settle.
                |_| false,
            )
            .await
        }
        Op::DeleteNotification {
            repository,
            notification,
        } => {
            let Some(uuid) = &notification.uuid else {
                return Err(client.error(format!(
                        "organization {org}, repository {repository}: cannot delete notification for {} without its Quay id",
                        url_for_display(&notification.url)
                    )));
            };
            client.notifications(org, repository).delete(uuid).await
        }
    }
}

/// What `delete_organization` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The organization did not exist: nothing to do.
    Absent,
}

/// Deletes an organization. A GET first tells whether it exists; an owner's token deletes it
/// with `DELETE /organization/{org}`, and when that is refused (403) a superuser token falls
/// back to `DELETE /superuser/organizations/{org}`.
pub async fn delete_organization(
    client: &QuayClient,
    organization: &str,
) -> Result<DeleteOutcome, QuayError> {
    let orgs = client.orgs(organization);
    if orgs.get().await?.is_none() {
        return Ok(DeleteOutcome::Absent);
    }
    match orgs.delete().await {
        Ok(()) => Ok(DeleteOutcome::Deleted),
        // It existed a moment ago: a retried DELETE met its own effect.
        Err(err) if err.is_not_found() => Ok(DeleteOutcome::Deleted),
        Err(err @ QuayError::Forbidden { .. }) => {
            let superuser = client.whoami().await.is_ok_and(|me| me.super_user);
            if !superuser {
                return Err(err);
            }
            match client.superuser().delete_organization(organization).await {
                Ok(()) => Ok(DeleteOutcome::Deleted),
                Err(err) if err.is_not_found() => Ok(DeleteOutcome::Deleted),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// How many times a create is sent again after ambiguous failures, each after a check.
const CREATE_RESENDS: usize = 3;

/// Sends a create; after an ambiguous failure (a timeout, a dropped connection: the server
/// may have acted), checks with `exists` and sends it again only if the object is still
/// missing. A re-sent create that Quay answers with its "already exists" (`duplicate`) is
/// settled as done: the plan saw the object absent, so it is the first attempt's, which the
/// server finished after the check (a busy Quay queues requests for seconds).
async fn create_once<S, SF, E, EF>(
    send: S,
    exists: E,
    duplicate: fn(&QuayError) -> bool,
) -> Result<(), QuayError>
where
    S: Fn() -> SF,
    SF: Future<Output = Result<(), QuayError>>,
    E: Fn() -> EF,
    EF: Future<Output = Result<bool, QuayError>>,
{
    let mut result = send().await;
    for _ in 0..CREATE_RESENDS {
        let err = match result {
            Err(err) if err.is_ambiguous() => err,
            other => return other,
        };
        tracing::debug!(target: "mqc::apply", error = %err, "ambiguous create; checking whether it happened");
        match exists().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            // The create's own error says what was attempted and that it may have
            // happened; the failed check would only say that a GET failed.
            Err(check) => {
                tracing::debug!(target: "mqc::apply", error = %check, "the check failed too");
                return Err(err);
            }
        }
        result = match send().await {
            Err(again) if duplicate(&again) => {
                tracing::debug!(target: "mqc::apply", "the first attempt finished after the check");
                return Ok(());
            }
            other => other,
        };
    }
    result
}

fn member_name(org: &str, member: &Member) -> String {
    match member {
        Member::User(user) => user.clone(),
        Member::Robot(robot) => robot_full_name(org, robot),
    }
}

/// The credentials of a mirror write. The username always travels with its password from the
/// login file (a username with a null password would erase the stored one); a declared user
/// without a password there is an error. When an update drops the username, both are cleared.
fn mirror_credentials(
    client: &QuayClient,
    org: &str,
    repository: &str,
    mirror: &Mirror,
    previous: Option<&Mirror>,
    secrets: &Secrets,
) -> Result<MirrorCredentials, QuayError> {
    match &mirror.username {
        Some(username) => {
            let key = MirrorCredentialKey {
                organization: org.to_string(),
                repository: repository.to_string(),
                username: username.clone(),
            };
            match secrets.mirror_password(&key) {
                Some(password) => Ok(MirrorCredentials::Set {
                    username: username.clone(),
                    password: password.clone(),
                }),
                None => Err(QuayError::MissingMirrorPassword {
                    endpoint: client.endpoint().clone(),
                    via: client.via().cloned(),
                    organization: key.organization,
                    repository: key.repository,
                    username: key.username,
                }),
            }
        }
        None if previous.is_some_and(|p| p.username.is_some()) => Ok(MirrorCredentials::Clear),
        None => Ok(MirrorCredentials::Omit),
    }
}

/// The full mirror body. `sync_start_date` is given for a create (now, in UTC) and left out of
/// an update, which keeps Quay's schedule.
fn mirror_request(
    org: &str,
    mirror: &Mirror,
    credentials: MirrorCredentials,
    capabilities: &Capabilities,
    sync_start_date: Option<String>,
) -> MirrorRequest {
    MirrorRequest {
        is_enabled: mirror.is_enabled,
        external_reference: mirror.external_reference.clone(),
        credentials,
        external_registry_config: MirrorRegistryConfig {
            verify_tls: mirror.verify_tls,
            unsigned_images: mirror.unsigned_images,
            proxy: MirrorProxy {
                http_proxy: mirror.proxy.http_proxy.clone(),
                https_proxy: mirror.proxy.https_proxy.clone(),
                no_proxy: mirror.proxy.no_proxy.clone(),
            },
        },
        sync_interval: mirror.sync_interval,
        sync_start_date,
        skopeo_timeout_interval: capabilities
            .send_skopeo_timeout()
            .then_some(SKOPEO_TIMEOUT_SECONDS),
        robot_username: Some(robot_full_name(org, &mirror.robot)),
        root_rule: MirrorRootRule::tags(mirror.tags.clone()),
    }
}

/// Quay drops the first proxy key of a PUT when no proxy object is stored yet (quay-api.md
/// §8.4). The model cannot tell "no proxy object" from "all null", so whenever the stored
/// proxy is empty and the new one is not, a proxy-only PUT goes first.
fn needs_proxy_first(from: &Mirror, to: &Mirror) -> bool {
    from.proxy == Proxy::default() && to.proxy != Proxy::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Endpoint;
    use crate::quay::{ClientOptions, Limiter, RetryPolicy};
    use crate::settings::TlsVerify;
    use secrecy::SecretString;
    use std::num::NonZeroU32;
    use std::sync::Arc;
    use std::time::Duration;

    fn client() -> QuayClient {
        let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
            governor::Quota::per_second(NonZeroU32::new(100).unwrap()),
        ));
        QuayClient::new(
            Endpoint::parse("https://quay.example.com").unwrap(),
            SecretString::from("token"),
            &ClientOptions {
                timeout: Duration::from_secs(1),
                max_connections: 1,
                ceiling: 10_000.0,
                tls: TlsVerify::Insecure,
                retry: RetryPolicy::default(),
            },
            limiter,
        )
        .unwrap()
    }

    fn mirror(username: Option<&str>, proxy: Proxy) -> Mirror {
        Mirror {
            external_reference: "registry.example.com/upstream/demo".into(),
            tags: vec!["latest".into()],
            username: username.map(str::to_string),
            verify_tls: true,
            unsigned_images: false,
            robot: "mirror".into(),
            sync_interval: 3600,
            is_enabled: true,
            proxy,
        }
    }

    fn secrets_with_password() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.insert_mirror_password(
            MirrorCredentialKey {
                organization: "acme".into(),
                repository: "nested/app".into(),
                username: "puller".into(),
            },
            SecretString::from("pw-123"),
        );
        secrets
    }

    #[test]
    fn username_travels_with_its_password() {
        let client = client();
        let creds = mirror_credentials(
            &client,
            "acme",
            "nested/app",
            &mirror(Some("puller"), Proxy::default()),
            None,
            &secrets_with_password(),
        )
        .unwrap();
        let request = mirror_request(
            "acme",
            &mirror(Some("puller"), Proxy::default()),
            creds,
            &Capabilities::default(),
            None,
        );
        let body = serde_json::to_value(&request).unwrap();
        assert_eq!(body["external_registry_username"], "puller");
        assert_eq!(body["external_registry_password"], "pw-123");
        assert_eq!(body["robot_username"], "acme+mirror");
    }

    #[test]
    fn a_missing_password_is_an_error_naming_org_repo_and_user() {
        let client = client();
        let err = mirror_credentials(
            &client,
            "acme",
            "nested/app",
            &mirror(Some("someone"), Proxy::default()),
            None,
            &secrets_with_password(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://quay.example.com: organization acme, repository nested/app: no mirror password \
             for registry user someone in the login file: run `mqc login`"
        );
    }

    #[test]
    fn credentials_are_cleared_or_left_alone_without_a_username() {
        let client = client();
        let none = mirror(None, Proxy::default());
        let had_user = mirror(Some("puller"), Proxy::default());
        let secrets = Secrets::default();
        assert!(matches!(
            mirror_credentials(&client, "acme", "r", &none, Some(&had_user), &secrets).unwrap(),
            MirrorCredentials::Clear
        ));
        assert!(matches!(
            mirror_credentials(&client, "acme", "r", &none, Some(&none), &secrets).unwrap(),
            MirrorCredentials::Omit
        ));
        assert!(matches!(
            mirror_credentials(&client, "acme", "r", &none, None, &secrets).unwrap(),
            MirrorCredentials::Omit
        ));
    }

    #[test]
    fn skopeo_timeout_follows_the_server_and_the_start_date_only_on_create() {
        let caps = Capabilities {
            repo_mirror: true,
            mirror_skopeo_timeout: true,
            mirror_skopeo_timeout_required: true,
            ..Capabilities::default()
        };
        let m = mirror(None, Proxy::default());
        let create = mirror_request(
            "acme",
            &m,
            MirrorCredentials::Omit,
            &caps,
            Some("2024-01-01T00:00:00Z".into()),
        );
        let body = serde_json::to_value(&create).unwrap();
        assert_eq!(body["skopeo_timeout_interval"], 300);
        assert_eq!(body["sync_start_date"], "2024-01-01T00:00:00Z");
        let old = mirror_request(
            "acme",
            &m,
            MirrorCredentials::Omit,
            &Capabilities::default(),
            None,
        );
        let body = serde_json::to_value(&old).unwrap();
        assert!(body.get("skopeo_timeout_interval").is_none());
        assert!(body.get("sync_start_date").is_none());
        assert!(body.get("architecture_filter").is_none());
    }

    #[test]
    fn proxy_first_only_when_a_proxy_appears() {
        let none = mirror(None, Proxy::default());
        let some = mirror(
            None,
            Proxy {
                https_proxy: Some("http://p:3128".into()),
                ..Proxy::default()
            },
        );
        assert!(needs_proxy_first(&none, &some));
        assert!(!needs_proxy_first(&some, &some));
        assert!(!needs_proxy_first(&none, &none));
        assert!(!needs_proxy_first(&some, &none));
    }

    #[test]
    fn members_are_named_as_quay_expects() {
        assert_eq!(member_name("acme", &Member::Robot("ci".into())), "acme+ci");
        assert_eq!(member_name("acme", &Member::User("bob".into())), "bob");
    }
}
