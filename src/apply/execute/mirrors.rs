//! Writes of a repository's mirror, its sync, and the repository state mirroring needs. The
//! mirror body and Quay's mirror quirks live in `quay::mirror`; this module chooses the call
//! and takes the registry password from the login file.

use secrecy::SecretString;

use super::{create_once, Context};
use crate::model::{Mirror, MirrorCredentialKey, RepoState, Secrets};
use crate::plan::MirrorOp;
use crate::quay::{MirrorHandler, QuayClient, QuayError};

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
            client.repos(org).change_state(repository, to).await
        }
        MirrorOp::CreateMirror { repository, mirror } => {
            let password = mirror_password(client, org, repository, mirror, secrets)?;
            let handler = client.mirror(org, repository);
            create_once(
                || handler.create(mirror, password),
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
            let password = mirror_password(client, org, repository, to, secrets)?;
            client
                .mirror(org, repository)
                .update(from, to, password)
                .await
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
                return Err(missing_password(client, key));
            };
            client
                .mirror(org, repository)
                .update_credentials(username, password)
                .await
        }
    }
}

/// The login file's password of the mirror's registry user; `None` when the mirror names no
/// user. A declared user without a password there is an error (a username with a null
/// password would erase the one Quay stores).
fn mirror_password<'s>(
    client: &QuayClient,
    org: &str,
    repository: &str,
    mirror: &Mirror,
    secrets: &'s Secrets,
) -> Result<Option<&'s SecretString>, QuayError> {
    let Some(username) = &mirror.username else {
        return Ok(None);
    };
    let key = MirrorCredentialKey {
        organization: org.to_string(),
        repository: repository.to_string(),
        username: username.clone(),
    };
    match secrets.mirror_password(&key) {
        Some(password) => Ok(Some(password)),
        None => Err(missing_password(client, key)),
    }
}

fn missing_password(client: &QuayClient, key: MirrorCredentialKey) -> QuayError {
    QuayError::MissingMirrorPassword {
        endpoint: client.endpoint().clone(),
        via: client.via().cloned(),
        organization: key.organization,
        repository: key.repository,
        username: key.username,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Endpoint, Proxy};
    use crate::quay::{ClientOptions, Limiter, RetryPolicy, TlsVerify};
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
            options: crate::model::MirrorOptions::default(),
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
    fn the_password_comes_from_the_login_file_only_for_a_named_user() {
        use secrecy::ExposeSecret;
        let client = client();
        let secrets = secrets_with_password();
        let found = mirror_password(
            &client,
            "acme",
            "nested/app",
            &mirror(Some("puller"), Proxy::default()),
            &secrets,
        )
        .unwrap();
        assert_eq!(found.map(|p| p.expose_secret()), Some("pw-123"));
        let none = mirror_password(
            &client,
            "acme",
            "nested/app",
            &mirror(None, Proxy::default()),
            &secrets,
        )
        .unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn a_missing_password_is_an_error_naming_org_repo_and_user() {
        let client = client();
        let err = mirror_password(
            &client,
            "acme",
            "nested/app",
            &mirror(Some("someone"), Proxy::default()),
            &secrets_with_password(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://quay.example.com: organization acme, repository nested/app: no mirror password \
             for registry user someone in the login file: run `mqc login`"
        );
    }
}
