//! Repository mirroring: `/api/v1/repository/{org}/{repo}/mirror…`.
//!
//! Version skew decides the body (quay-api.md §8, quay-observed.md): Quay 3.15+ requires
//! `skopeo_timeout_interval` and Quay ≤3.14 answers 500 when it is present, so the caller says
//! whether to send it (from [`super::Capabilities`]). `architecture_filter` is never sent (≤3.16
//! answers 500). The `proxy` object always carries its three keys, because Quay drops the first
//! proxy key of a PUT when no proxy object was stored yet.

use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;

/// The `skopeo_timeout_interval` mqc sends where the server knows it (Quay's minimum).
pub const SKOPEO_TIMEOUT_SECONDS: u64 = 300;

/// `GET …/mirror`. The password is never returned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MirrorView {
    #[serde(default)]
    pub is_enabled: bool,
    pub external_reference: String,
    #[serde(default)]
    pub external_registry_username: Option<String>,
    #[serde(default)]
    pub external_registry_config: MirrorConfigView,
    #[serde(default)]
    pub sync_interval: u64,
    pub root_rule: MirrorRootRule,
    /// Full robot name `org+short`.
    #[serde(default)]
    pub robot_username: Option<String>,
    #[serde(default)]
    pub sync_status: Option<String>,
}

/// `external_registry_config` as read: `{}` when the POST carried none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MirrorConfigView {
    #[serde(default)]
    pub verify_tls: Option<bool>,
    #[serde(default)]
    pub unsigned_images: Option<bool>,
    #[serde(default)]
    pub proxy: Option<MirrorProxy>,
}

/// Always serialised with all three keys (null allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorProxy {
    #[serde(default)]
    pub http_proxy: Option<String>,
    #[serde(default)]
    pub https_proxy: Option<String>,
    #[serde(default)]
    pub no_proxy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorRootRule {
    pub rule_kind: String,
    pub rule_value: Vec<String>,
}

impl MirrorRootRule {
    pub fn tags(tags: Vec<String>) -> MirrorRootRule {
        MirrorRootRule {
            rule_kind: "tag_glob_csv".into(),
            rule_value: tags,
        }
    }
}

/// `external_registry_config` as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MirrorRegistryConfig {
    pub verify_tls: bool,
    pub unsigned_images: bool,
    pub proxy: MirrorProxy,
}

/// Registry credentials in a mirror write. Quay never returns the password, and a PUT that
/// carries a username with a null password erases the stored one, so the username travels
/// with its password or not at all.
#[derive(Debug, Clone)]
pub enum MirrorCredentials {
    /// Neither key: the stored credentials stay as they are.
    Omit,
    /// Both keys null: the stored credentials are removed.
    Clear,
    Set {
        username: String,
        password: SecretString,
    },
}

/// The body of a mirror POST (create) or PUT (update). `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct MirrorRequest {
    pub is_enabled: bool,
    /// `registry/path`, no scheme.
    pub external_reference: String,
    pub credentials: MirrorCredentials,
    pub external_registry_config: MirrorRegistryConfig,
    pub sync_interval: u64,
    /// Required on POST (`YYYY-MM-DDTHH:MM:SSZ`); left out of a PUT to keep the schedule.
    pub sync_start_date: Option<String>,
    /// `Some(300)` only for servers that know the field.
    pub skopeo_timeout_interval: Option<u64>,
    /// Full robot name `org+short`. Left out of a PUT that keeps the robot: Quay re-grants the
    /// mirror robot `write` on every PUT that names it, which would undo a planned revoke.
    pub robot_username: Option<String>,
    pub root_rule: MirrorRootRule,
}

impl MirrorRequest {
    /// The registry password the body carries, if any.
    pub(crate) fn password(&self) -> Option<&SecretString> {
        match &self.credentials {
            MirrorCredentials::Set { password, .. } => Some(password),
            MirrorCredentials::Omit | MirrorCredentials::Clear => None,
        }
    }
}

impl Serialize for MirrorRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("is_enabled", &self.is_enabled)?;
        map.serialize_entry("external_reference", &self.external_reference)?;
        serialize_credentials(&mut map, &self.credentials)?;
        map.serialize_entry("external_registry_config", &self.external_registry_config)?;
        map.serialize_entry("sync_interval", &self.sync_interval)?;
        if let Some(date) = &self.sync_start_date {
            map.serialize_entry("sync_start_date", date)?;
        }
        if let Some(seconds) = self.skopeo_timeout_interval {
            map.serialize_entry("skopeo_timeout_interval", &seconds)?;
        }
        if let Some(robot) = &self.robot_username {
            map.serialize_entry("robot_username", robot)?;
        }
        map.serialize_entry("root_rule", &self.root_rule)?;
        map.end()
    }
}

/// The date format Quay accepts for `sync_start_date` (exactly `%Y-%m-%dT%H:%M:%SZ`, UTC).
pub fn format_start_date(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn serialize_credentials<M: SerializeMap>(
    map: &mut M,
    credentials: &MirrorCredentials,
) -> Result<(), M::Error> {
    match credentials {
        MirrorCredentials::Omit => {}
        MirrorCredentials::Clear => {
            map.serialize_entry("external_registry_username", &None::<&str>)?;
            map.serialize_entry("external_registry_password", &None::<&str>)?;
        }
        MirrorCredentials::Set { username, password } => {
            map.serialize_entry("external_registry_username", username)?;
            // The only place a mirror password leaves its secret wrapper: the wire.
            map.serialize_entry("external_registry_password", password.expose_secret())?;
        }
    }
    Ok(())
}

/// A PUT body with only the registry credentials (Quay needs both keys to set a password).
struct CredentialsOnly<'a>(&'a MirrorCredentials);

impl Serialize for CredentialsOnly<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        serialize_credentials(&mut map, self.0)?;
        map.end()
    }
}

#[derive(Serialize)]
struct ProxyOnly<'a> {
    external_registry_config: ProxyOnlyConfig<'a>,
}

#[derive(Serialize)]
struct ProxyOnlyConfig<'a> {
    proxy: &'a MirrorProxy,
}

pub struct MirrorHandler<'c> {
    client: &'c QuayClient,
    org: &'c str,
    repo: &'c str,
}

impl QuayClient {
    pub fn mirror<'c>(&'c self, org: &'c str, repo: &'c str) -> MirrorHandler<'c> {
        MirrorHandler {
            client: self,
            org,
            repo,
        }
    }
}

impl MirrorHandler<'_> {
    /// Whether a create failed because the repository has a mirror configuration already:
    /// Quay answers 409 "Mirror configuration already exits" (sic).
    pub fn is_duplicate(err: &QuayError) -> bool {
        matches!(err, QuayError::Api { status: 409, .. })
    }

    fn path(&self) -> String {
        format!("{}/mirror", paths::repo(self.org, self.repo))
    }

    /// `None` when the repository has no mirror configuration (404).
    pub async fn get(&self) -> Result<Option<MirrorView>, QuayError> {
        match self.client.send(Call::get(self.path())).await {
            Ok(answer) => answer.json().map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// POST: creates the configuration (sets the repository state to MIRROR and grants the
    /// robot `write`). Not repeatable: a second POST answers 409.
    pub async fn create(&self, request: &MirrorRequest) -> Result<(), QuayError> {
        self.client
            .send(
                Call::post(self.path())
                    .json(request)
                    .secret(request.password()),
            )
            .await
            .map(drop)
    }

    /// PUT: sets every key present in the request.
    pub async fn update(&self, request: &MirrorRequest) -> Result<(), QuayError> {
        self.client
            .send(
                Call::put(self.path())
                    .json(request)
                    .secret(request.password()),
            )
            .await
            .map(drop)
    }

    /// PUT with only the proxy object: makes Quay create its stored `proxy` object, so that
    /// the following full PUT is not hit by the first-proxy-key bug.
    pub async fn update_proxy(&self, proxy: &MirrorProxy) -> Result<(), QuayError> {
        let body = ProxyOnly {
            external_registry_config: ProxyOnlyConfig { proxy },
        };
        self.client
            .send(Call::put(self.path()).json(&body))
            .await
            .map(drop)
    }

    /// PUT with only `external_registry_username` and `external_registry_password`: re-sends
    /// the credentials (a rotated password) and touches nothing else — no robot, so Quay does
    /// not re-grant it `write`.
    pub async fn update_credentials(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<(), QuayError> {
        let credentials = MirrorCredentials::Set {
            username: username.to_string(),
            password: password.clone(),
        };
        self.client
            .send(
                Call::put(self.path())
                    .json(&CredentialsOnly(&credentials))
                    .secret(Some(password)),
            )
            .await
            .map(drop)
    }

    /// Starts a sync now. A POST, but triggering twice is harmless.
    pub async fn sync_now(&self) -> Result<(), QuayError> {
        let call = Call::post(format!("{}/sync-now", self.path())).idempotent(true);
        self.client.send(call).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(
        credentials: MirrorCredentials,
        skopeo: Option<u64>,
        start: Option<&str>,
    ) -> MirrorRequest {
        MirrorRequest {
            is_enabled: true,
            external_reference: "registry.example.com/upstream/demo".into(),
            credentials,
            external_registry_config: MirrorRegistryConfig {
                verify_tls: true,
                unsigned_images: false,
                proxy: MirrorProxy {
                    http_proxy: None,
                    https_proxy: Some("http://proxy.example.com:3128".into()),
                    no_proxy: Some(".example.com".into()),
                },
            },
            sync_interval: 86400,
            sync_start_date: start.map(str::to_string),
            skopeo_timeout_interval: skopeo,
            robot_username: Some("exampleorg+mirror".into()),
            root_rule: MirrorRootRule::tags(vec!["latest".into(), "v1.*".into()]),
        }
    }

    #[test]
    fn post_body_for_quay_3_15_and_later() {
        let body = serde_json::to_value(request(
            MirrorCredentials::Set {
                username: "puller".into(),
                password: SecretString::from("s3cret"),
            },
            Some(SKOPEO_TIMEOUT_SECONDS),
            Some("2024-08-21T00:00:00Z"),
        ))
        .unwrap();
        assert_eq!(
            body,
            json!({"is_enabled": true, "external_reference": "registry.example.com/upstream/demo",
                   "external_registry_username": "puller", "external_registry_password": "s3cret",
                   "external_registry_config": {"verify_tls": true, "unsigned_images": false,
                     "proxy": {"http_proxy": null, "https_proxy": "http://proxy.example.com:3128", "no_proxy": ".example.com"}},
                   "sync_interval": 86400, "sync_start_date": "2024-08-21T00:00:00Z",
                   "skopeo_timeout_interval": 300, "robot_username": "exampleorg+mirror",
                   "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]}})
        );
    }

    #[test]
    fn post_body_for_quay_3_14_has_no_skopeo_timeout_and_never_an_architecture_filter() {
        let body = serde_json::to_value(request(
            MirrorCredentials::Omit,
            None,
            Some("2024-08-21T00:00:00Z"),
        ))
        .unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(!keys.contains(&"skopeo_timeout_interval"));
        assert!(!keys.contains(&"architecture_filter"));
        assert!(!keys.contains(&"external_registry_username"));
        assert!(!keys.contains(&"external_registry_password"));
        assert_eq!(
            body["external_registry_config"]["proxy"],
            json!({"http_proxy": null, "https_proxy": "http://proxy.example.com:3128", "no_proxy": ".example.com"})
        );
    }

    #[test]
    fn full_proxy_object_even_without_a_proxy() {
        let mut req = request(MirrorCredentials::Omit, None, None);
        req.external_registry_config.proxy = MirrorProxy::default();
        let body = serde_json::to_value(&req).unwrap();
        assert_eq!(
            body["external_registry_config"]["proxy"],
            json!({"http_proxy": null, "https_proxy": null, "no_proxy": null})
        );
        assert!(body.get("sync_start_date").is_none());
    }

    #[test]
    fn a_credentials_only_body_has_both_keys_and_nothing_else() {
        let credentials = MirrorCredentials::Set {
            username: "puller".into(),
            password: SecretString::from("s3cret"),
        };
        let body = serde_json::to_value(CredentialsOnly(&credentials)).unwrap();
        assert_eq!(
            body,
            json!({"external_registry_username": "puller", "external_registry_password": "s3cret"})
        );
    }

    #[test]
    fn clearing_credentials_sends_both_nulls() {
        let body = serde_json::to_value(request(MirrorCredentials::Clear, None, None)).unwrap();
        assert_eq!(body["external_registry_username"], json!(null));
        assert_eq!(body["external_registry_password"], json!(null));
    }

    #[test]
    fn debug_hides_the_password() {
        let req = request(
            MirrorCredentials::Set {
                username: "puller".into(),
                password: SecretString::from("s3cret"),
            },
            None,
            None,
        );
        assert!(!format!("{req:?}").contains("s3cret"));
    }

    #[test]
    fn start_date_has_quays_exact_format() {
        let at = time::macros::datetime!(2024-08-21 06:30:05.123 +02:00);
        assert_eq!(format_start_date(at), "2024-08-21T04:30:05Z");
    }

    #[test]
    fn mirror_view_from_quay_example() {
        let view: MirrorView = serde_json::from_str(
            r#"{"is_enabled": true, "mirror_type": "PULL", "external_reference": "registry.example.com/upstream/demo",
                "external_registry_username": "puller",
                "external_registry_config": {"verify_tls": true, "unsigned_images": false,
                  "proxy": {"http_proxy": null, "https_proxy": "http://proxy.example.com:3128", "no_proxy": ".example.com"}},
                "sync_interval": 86400, "sync_start_date": "2024-08-21T00:00:00Z", "sync_expiration_date": null,
                "sync_retries_remaining": 3, "sync_status": "NEVER_RUN",
                "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]},
                "robot_username": "exampleorg+mirror", "skopeo_timeout_interval": 300, "architecture_filter": []}"#,
        )
        .unwrap();
        assert_eq!(view.root_rule.rule_value, ["latest", "v1.*"]);
        assert_eq!(
            view.external_registry_config
                .proxy
                .unwrap()
                .https_proxy
                .as_deref(),
            Some("http://proxy.example.com:3128")
        );
        let bare: MirrorView = serde_json::from_str(
            r#"{"is_enabled": true, "external_reference": "r/x", "external_registry_username": null, "external_registry_config": {},
                "sync_interval": 60, "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["a"]}, "robot_username": "o+m"}"#,
        )
        .unwrap();
        assert_eq!(bare.external_registry_config, MirrorConfigView::default());
    }
}
