//! Writes of a repository's mirror, its sync, and the repository state mirroring needs.

use time::OffsetDateTime;

use super::{create_once, Context};
use crate::model::{Mirror, MirrorCredentialKey, Proxy, RepoState, Secrets};
use crate::plan::MirrorOp;
use crate::quay::{
    format_start_date, robot_full_name, Capabilities, MirrorCredentials, MirrorHandler,
    MirrorProxy, MirrorRegistryConfig, MirrorRequest, MirrorRootRule, QuayClient, QuayError,
    SKOPEO_TIMEOUT_SECONDS,
};

pub(super) async fn execute(cx: &Context<'_>, op: &MirrorOp) -> Result<(), QuayError> {
    let (client, org, secrets) = (cx.client, cx.org, cx.secrets);
    match op {
        MirrorOp::SetRepositoryState { repository, to, .. } => {
            if *to == RepoState::OrgMirror {
                return Err(client.error(format!(
                    "organization {org}, repository {repository}: the state ORG_MIRROR is set by \
                     organization-level mirroring, not through the repository API"
                )));
            }
            client.repos(org).change_state(repository, *to).await
        }
        MirrorOp::CreateMirror { repository, mirror } => {
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
        MirrorOp::UpdateMirror {
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
        MirrorOp::SyncMirrorNow { repository } => client.mirror(org, repository).sync_now().await,
        MirrorOp::ResendMirrorCredentials {
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
}
