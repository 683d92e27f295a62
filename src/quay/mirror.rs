//! Repository mirroring: `/api/v1/repository/{org}/{repo}/mirror…`.
//!
//! Version skew decides the body (quay-api.md §8, quay-observed.md): Quay 3.15+ requires
//! `skopeo_timeout_interval` and Quay ≤3.14 answers 500 when it is present, so the handler
//! asks the server's [`super::Capabilities`] whether to send it; `architecture_filter` likewise
//! (≤3.16 answers 500), and only when the file declares one. The `proxy` object always carries its three keys, and an update
//! that gives a repository its first proxy sends the proxy alone first, because Quay drops the
//! first proxy key of a PUT when no proxy object was stored yet (§8.4).
//!
//! The wire types stay in this module: callers see [`Mirror`]. The registry password is not in
//! the model; the caller passes it from the login file.

use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::identity::Capabilities;
use super::paths;
use crate::model::{Mirror, MirrorOptions, Proxy, SyncStart};

/// The `skopeo_timeout_interval` a create sends where the server requires it and the file
/// declares none (Quay's minimum).
const SKOPEO_TIMEOUT_SECONDS: u64 = 300;

/// `GET …/mirror`. The password is never returned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct MirrorView {
    #[serde(default)]
    is_enabled: bool,
    external_reference: String,
    #[serde(default)]
    external_registry_username: Option<String>,
    #[serde(default)]
    external_registry_config: MirrorConfigView,
    #[serde(default)]
    sync_interval: u64,
    root_rule: MirrorRootRule,
    /// Full robot name `org+short`.
    #[serde(default)]
    robot_username: Option<String>,
    /// Null after a cancelled sync.
    #[serde(default)]
    sync_start_date: Option<String>,
    /// Quay 3.15+.
    #[serde(default)]
    skopeo_timeout_interval: Option<u64>,
    /// Quay 3.17+ (`[]` when unset).
    #[serde(default)]
    architecture_filter: Option<Vec<String>>,
}

/// `external_registry_config` as read: `{}` when the POST carried none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct MirrorConfigView {
    #[serde(default)]
    verify_tls: Option<bool>,
    #[serde(default)]
    unsigned_images: Option<bool>,
    #[serde(default)]
    proxy: Option<MirrorProxy>,
}

/// Always serialised with all three keys (null allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct MirrorProxy {
    #[serde(default)]
    http_proxy: Option<String>,
    #[serde(default)]
    https_proxy: Option<String>,
    #[serde(default)]
    no_proxy: Option<String>,
}

impl From<&Proxy> for MirrorProxy {
    fn from(proxy: &Proxy) -> MirrorProxy {
        MirrorProxy {
            http_proxy: proxy.http_proxy.clone(),
            https_proxy: proxy.https_proxy.clone(),
            no_proxy: proxy.no_proxy.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MirrorRootRule {
    rule_kind: String,
    rule_value: Vec<String>,
}

impl MirrorRootRule {
    fn tags(tags: Vec<String>) -> MirrorRootRule {
        MirrorRootRule {
            rule_kind: "tag_glob_csv".into(),
            rule_value: tags,
        }
    }
}

/// `external_registry_config` as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct MirrorRegistryConfig {
    verify_tls: bool,
    unsigned_images: bool,
    proxy: MirrorProxy,
}

/// Registry credentials in a mirror write. Quay never returns the password, and a PUT that
/// carries a username with a null password erases the stored one, so the username travels
/// with its password or not at all.
#[derive(Debug, Clone)]
enum MirrorCredentials {
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
struct MirrorRequest {
    is_enabled: bool,
    /// `registry/path`, no scheme.
    external_reference: String,
    credentials: MirrorCredentials,
    external_registry_config: MirrorRegistryConfig,
    sync_interval: u64,
    /// Required on POST (`YYYY-MM-DDTHH:MM:SSZ`); left out of a PUT to keep the schedule.
    sync_start_date: Option<String>,
    /// `Some(300)` only for servers that know the field.
    skopeo_timeout_interval: Option<u64>,
    /// Full robot name `org+short`. Left out of a PUT that keeps the robot: Quay re-grants the
    /// mirror robot `write` on every PUT that names it, which would undo a planned revoke.
    robot_username: Option<String>,
    root_rule: MirrorRootRule,
    /// Only for servers that know the field, and only when the file declares a filter.
    architecture_filter: Option<Vec<String>>,
}

impl MirrorRequest {
    /// The registry password the body carries, if any.
    fn password(&self) -> Option<&SecretString> {
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
        if let Some(architectures) = &self.architecture_filter {
            map.serialize_entry("architecture_filter", architectures)?;
        }
        map.end()
    }
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

/// The credentials of a mirror write. The username always travels with its password from the
/// login file (a username with a null password would erase the stored one); `None` when a
/// declared user has no password. When an update drops the username, both are cleared.
fn credentials(
    mirror: &Mirror,
    previous: Option<&Mirror>,
    password: Option<&SecretString>,
) -> Option<MirrorCredentials> {
    match (&mirror.username, password) {
        (Some(username), Some(password)) => Some(MirrorCredentials::Set {
            username: username.clone(),
            password: password.clone(),
        }),
        (Some(_), None) => None,
        (None, _) if previous.is_some_and(|p| p.username.is_some()) => {
            Some(MirrorCredentials::Clear)
        }
        (None, _) => Some(MirrorCredentials::Omit),
    }
}

/// The full body of a create: scheduled from the declared start (or now), with the declared
/// timeout (or Quay's minimum where it is required) and architecture filter where the server
/// knows them.
fn create_request(
    org: &str,
    mirror: &Mirror,
    credentials: MirrorCredentials,
    capabilities: &Capabilities,
    now: SyncStart,
) -> MirrorRequest {
    let options = &mirror.options;
    let mut request = request(org, mirror, credentials);
    request.sync_start_date = Some(options.sync_start.unwrap_or(now).to_string());
    request.skopeo_timeout_interval = capabilities
        .send_skopeo_timeout()
        .then(|| options.skopeo_timeout_s.unwrap_or(SKOPEO_TIMEOUT_SECONDS));
    request.architecture_filter = architectures(options, capabilities);
    request
}

/// The full body of an update from `from` to `to`: it keeps Quay's schedule, timeout and
/// filter unless the file declares other ones ([`MirrorOptions::changes`]).
fn update_request(
    org: &str,
    from: &Mirror,
    to: &Mirror,
    credentials: MirrorCredentials,
    capabilities: &Capabilities,
) -> MirrorRequest {
    let changes = from.options.changes(&to.options, to.sync_interval);
    let options = &to.options;
    let mut request = request(org, to, credentials);
    if changes.sync_start {
        request.sync_start_date = options.sync_start.map(|at| at.to_string());
    }
    if changes.skopeo_timeout && capabilities.mirror_skopeo_timeout {
        request.skopeo_timeout_interval = options.skopeo_timeout_s;
    }
    if changes.architectures {
        request.architecture_filter = architectures(options, capabilities);
    }
    request
}

/// The declared architecture filter, for a server whose schema knows the field.
fn architectures(options: &MirrorOptions, capabilities: &Capabilities) -> Option<Vec<String>> {
    let declared = options.architectures.as_ref()?;
    capabilities
        .mirror_architecture_filter
        .then(|| declared.iter().cloned().collect())
}

/// The fields every write carries; the options are added by the create and update bodies.
fn request(org: &str, mirror: &Mirror, credentials: MirrorCredentials) -> MirrorRequest {
    MirrorRequest {
        is_enabled: mirror.is_enabled,
        external_reference: mirror.external_reference.clone(),
        credentials,
        external_registry_config: MirrorRegistryConfig {
            verify_tls: mirror.verify_tls,
            unsigned_images: mirror.unsigned_images,
            proxy: MirrorProxy::from(&mirror.proxy),
        },
        sync_interval: mirror.sync_interval,
        sync_start_date: None,
        skopeo_timeout_interval: None,
        robot_username: Some(paths::robot_full_name(org, &mirror.robot)),
        root_rule: MirrorRootRule::tags(mirror.tags.clone()),
        architecture_filter: None,
    }
}

/// Quay drops the first proxy key of a PUT when no proxy object is stored yet (quay-api.md
/// §8.4). The model cannot tell "no proxy object" from "all null", so whenever the stored
/// proxy is empty and the new one is not, a proxy-only PUT goes first.
fn needs_proxy_first(from: &Mirror, to: &Mirror) -> bool {
    from.proxy == Proxy::default() && to.proxy != Proxy::default()
}

/// The model's view of a mirror configuration: the robot by its short name when it is one of
/// `org` (Quay refuses any other), Quay's defaults for keys a bare POST left out.
fn mirror_from_view(org: &str, view: &MirrorView) -> Mirror {
    let config = &view.external_registry_config;
    let proxy = config.proxy.clone().unwrap_or_default();
    let robot = view.robot_username.as_deref().unwrap_or_default();
    Mirror {
        external_reference: view.external_reference.clone(),
        tags: view.root_rule.rule_value.clone(),
        username: view
            .external_registry_username
            .clone()
            .filter(|name| !name.is_empty()),
        verify_tls: config.verify_tls.unwrap_or(true),
        unsigned_images: config.unsigned_images.unwrap_or(false),
        robot: paths::robot_short_name(org, robot)
            .unwrap_or(robot)
            .to_string(),
        sync_interval: view.sync_interval,
        is_enabled: view.is_enabled,
        proxy: Proxy {
            http_proxy: proxy.http_proxy,
            https_proxy: proxy.https_proxy,
            no_proxy: proxy.no_proxy,
        },
        options: MirrorOptions {
            sync_start: view.sync_start_date.as_deref().and_then(SyncStart::parse),
            skopeo_timeout_s: view.skopeo_timeout_interval,
            architectures: view
                .architecture_filter
                .as_ref()
                .map(|list| list.iter().cloned().collect()),
        },
    }
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
    pub async fn get(&self) -> Result<Option<Mirror>, QuayError> {
        match self.client.send(Call::get(self.path())).await {
            Ok(answer) => Ok(Some(mirror_from_view(
                self.org,
                &answer.json::<MirrorView>()?,
            ))),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The credentials of a write, or the error for a declared user without a password.
    fn credentials(
        &self,
        mirror: &Mirror,
        previous: Option<&Mirror>,
        password: Option<&SecretString>,
    ) -> Result<MirrorCredentials, QuayError> {
        credentials(mirror, previous, password).ok_or_else(|| QuayError::MissingMirrorPassword {
            endpoint: self.client.endpoint().clone(),
            via: self.client.via().cloned(),
            organization: self.org.to_string(),
            repository: self.repo.to_string(),
            username: mirror.username.clone().unwrap_or_default(),
        })
    }

    /// POST: creates the configuration, scheduled from now (sets the repository state to
    /// MIRROR and grants the robot `write`). `password` is the login file's password of
    /// `mirror.username`, needed when there is one. Not repeatable: a second POST answers 409.
    pub async fn create(
        &self,
        mirror: &Mirror,
        password: Option<&SecretString>,
    ) -> Result<(), QuayError> {
        let credentials = self.credentials(mirror, None, password)?;
        let capabilities = self.client.capabilities().await?;
        let request = create_request(
            self.org,
            mirror,
            credentials,
            &capabilities,
            SyncStart::now(),
        );
        self.client
            .send(
                Call::post(self.path())
                    .json(&request)
                    .secret(request.password()),
            )
            .await
            .map(drop)
    }

    /// PUT: changes the configuration `from` into `to`, keeping Quay's schedule. The robot is
    /// named only when it changes (naming it re-grants it `write`); the credentials are
    /// cleared when `to` drops the username; a first proxy is sent alone first (Quay's
    /// first-proxy-key bug). `password` as for [`MirrorHandler::create`].
    pub async fn update(
        &self,
        from: &Mirror,
        to: &Mirror,
        password: Option<&SecretString>,
    ) -> Result<(), QuayError> {
        let credentials = self.credentials(to, Some(from), password)?;
        let capabilities = self.client.capabilities().await?;
        let mut request = update_request(self.org, from, to, credentials, &capabilities);
        if from.robot == to.robot {
            request.robot_username = None;
        }
        if needs_proxy_first(from, to) {
            self.update_proxy(&request.external_registry_config.proxy)
                .await?;
        }
        self.client
            .send(
                Call::put(self.path())
                    .json(&request)
                    .secret(request.password()),
            )
            .await
            .map(drop)
    }

    /// PUT with only the proxy object: makes Quay create its stored `proxy` object, so that
    /// the following full PUT is not hit by the first-proxy-key bug.
    async fn update_proxy(&self, proxy: &MirrorProxy) -> Result<(), QuayError> {
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
            architecture_filter: None,
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
        let at = SyncStart::parse("2024-08-21T06:30:05.123+02:00").unwrap();
        assert_eq!(at.to_string(), "2024-08-21T04:30:05Z");
    }

    fn declared(options: MirrorOptions) -> Mirror {
        let mut mirror = mirror(None, Proxy::default());
        mirror.options = options;
        mirror
    }

    fn caps(skopeo: bool, architectures: bool) -> Capabilities {
        Capabilities {
            mirror_skopeo_timeout: skopeo,
            mirror_skopeo_timeout_required: skopeo,
            mirror_architecture_filter: architectures,
            ..Capabilities::default()
        }
    }

    fn keys(request: &MirrorRequest) -> serde_json::Value {
        let body = serde_json::to_value(request).unwrap();
        json!({
            "sync_start_date": body.get("sync_start_date"),
            "skopeo_timeout_interval": body.get("skopeo_timeout_interval"),
            "architecture_filter": body.get("architecture_filter"),
        })
    }

    #[test]
    fn a_create_sends_the_declared_options_where_the_server_knows_them() {
        let now = SyncStart::parse("2026-11-30T10:00:00Z").unwrap();
        let options = MirrorOptions {
            sync_start: SyncStart::parse("2026-12-01T02:00:00Z"),
            skopeo_timeout_s: Some(600),
            architectures: Some(["arm64".to_string(), "amd64".to_string()].into()),
        };
        let mirror = declared(options);
        let head = create_request(
            "org",
            &mirror,
            MirrorCredentials::Omit,
            &caps(true, true),
            now,
        );
        assert_eq!(
            keys(&head),
            json!({"sync_start_date": "2026-12-01T02:00:00Z", "skopeo_timeout_interval": 600,
                   "architecture_filter": ["amd64", "arm64"]})
        );
        // Quay 3.12 answers 500 to either key: neither is sent.
        let old = create_request(
            "org",
            &mirror,
            MirrorCredentials::Omit,
            &caps(false, false),
            now,
        );
        assert_eq!(
            keys(&old),
            json!({"sync_start_date": "2026-12-01T02:00:00Z", "skopeo_timeout_interval": null,
                   "architecture_filter": null})
        );
    }

    #[test]
    fn a_create_without_options_starts_now_with_quays_minimum_timeout() {
        let now = SyncStart::parse("2026-11-30T10:00:00Z").unwrap();
        let mirror = declared(MirrorOptions::default());
        let body = create_request(
            "org",
            &mirror,
            MirrorCredentials::Omit,
            &caps(true, true),
            now,
        );
        assert_eq!(
            keys(&body),
            json!({"sync_start_date": "2026-11-30T10:00:00Z", "skopeo_timeout_interval": 300,
                   "architecture_filter": null})
        );
    }

    #[test]
    fn an_update_sends_only_the_options_that_change() {
        let stored = MirrorOptions {
            // Two days after the declared start: the same daily schedule.
            sync_start: SyncStart::parse("2026-12-03T02:00:00Z"),
            skopeo_timeout_s: Some(300),
            architectures: Some(Default::default()),
        };
        let from = declared(stored);
        let unchanged = declared(MirrorOptions {
            sync_start: SyncStart::parse("2026-12-01T02:00:00Z"),
            skopeo_timeout_s: None,
            architectures: None,
        });
        let body = update_request(
            "org",
            &from,
            &unchanged,
            MirrorCredentials::Omit,
            &caps(true, true),
        );
        assert_eq!(
            keys(&body),
            json!({"sync_start_date": null, "skopeo_timeout_interval": null, "architecture_filter": null})
        );
        let moved = declared(MirrorOptions {
            sync_start: SyncStart::parse("2026-12-01T03:30:00Z"),
            skopeo_timeout_s: Some(900),
            architectures: Some(["s390x".to_string()].into()),
        });
        let body = update_request(
            "org",
            &from,
            &moved,
            MirrorCredentials::Omit,
            &caps(true, true),
        );
        assert_eq!(
            keys(&body),
            json!({"sync_start_date": "2026-12-01T03:30:00Z", "skopeo_timeout_interval": 900,
                   "architecture_filter": ["s390x"]})
        );
    }

    #[test]
    fn the_options_are_read_from_quays_answer() {
        let view: MirrorView = serde_json::from_str(
            r#"{"is_enabled": true, "external_reference": "r/x", "sync_interval": 86400,
                "sync_start_date": "2026-12-01T02:00:00.250000Z", "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
                "robot_username": "org+m", "skopeo_timeout_interval": 600, "architecture_filter": ["arm64"]}"#,
        )
        .unwrap();
        let options = mirror_from_view("org", &view).options;
        assert_eq!(
            options.sync_start.unwrap().to_string(),
            "2026-12-01T02:00:00Z"
        );
        assert_eq!(options.skopeo_timeout_s, Some(600));
        assert_eq!(options.architectures, Some(["arm64".to_string()].into()));
        // Quay 3.12: no timeout, no filter, and a cancelled sync has no date.
        let old: MirrorView = serde_json::from_str(
            r#"{"is_enabled": true, "external_reference": "r/x", "sync_interval": 60, "sync_start_date": null,
                "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]}}"#,
        )
        .unwrap();
        assert_eq!(
            mirror_from_view("org", &old).options,
            MirrorOptions::default()
        );
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

    // Moved from apply/execute/mirrors.rs with the body they check.

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
            options: MirrorOptions::default(),
        }
    }

    #[test]
    fn username_travels_with_its_password() {
        let password = SecretString::from("pw-123");
        let creds = credentials(
            &mirror(Some("puller"), Proxy::default()),
            None,
            Some(&password),
        )
        .unwrap();
        let request = super::request("acme", &mirror(Some("puller"), Proxy::default()), creds);
        let body = serde_json::to_value(&request).unwrap();
        assert_eq!(body["external_registry_username"], "puller");
        assert_eq!(body["external_registry_password"], "pw-123");
        assert_eq!(body["robot_username"], "acme+mirror");
        assert!(credentials(&mirror(Some("puller"), Proxy::default()), None, None).is_none());
    }

    #[test]
    fn credentials_are_cleared_or_left_alone_without_a_username() {
        let none = mirror(None, Proxy::default());
        let had_user = mirror(Some("puller"), Proxy::default());
        assert!(matches!(
            credentials(&none, Some(&had_user), None).unwrap(),
            MirrorCredentials::Clear
        ));
        assert!(matches!(
            credentials(&none, Some(&none), None).unwrap(),
            MirrorCredentials::Omit
        ));
        assert!(matches!(
            credentials(&none, None, None).unwrap(),
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
        let now = SyncStart::parse("2024-01-01T00:00:00Z").unwrap();
        let create = create_request("acme", &m, MirrorCredentials::Omit, &caps, now);
        let body = serde_json::to_value(&create).unwrap();
        assert_eq!(body["skopeo_timeout_interval"], 300);
        assert_eq!(body["sync_start_date"], "2024-01-01T00:00:00Z");
        let old = update_request("acme", &m, &m, MirrorCredentials::Omit, &caps);
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

    // Moved from state.rs with the conversion it checks.

    fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn mirror_from_quay_example_and_from_empty_config() {
        let view: MirrorView = parse(
            r#"{"is_enabled": true, "mirror_type": "PULL", "external_reference": "registry.example.com/upstream/demo",
                "external_registry_username": "puller",
                "external_registry_config": {"verify_tls": false, "unsigned_images": true,
                  "proxy": {"http_proxy": null, "https_proxy": "http://proxy.example.com:3128", "no_proxy": ".example.com"}},
                "sync_interval": 86400, "sync_start_date": "2024-08-21T00:00:00Z", "sync_status": "NEVER_RUN",
                "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]},
                "robot_username": "exampleorg+mirror", "skopeo_timeout_interval": 300, "architecture_filter": []}"#,
        );
        let mirror = mirror_from_view("exampleorg", &view);
        assert_eq!(
            mirror,
            Mirror {
                external_reference: "registry.example.com/upstream/demo".into(),
                tags: vec!["latest".into(), "v1.*".into()],
                username: Some("puller".into()),
                verify_tls: false,
                unsigned_images: true,
                robot: "mirror".into(),
                sync_interval: 86400,
                is_enabled: true,
                proxy: Proxy {
                    http_proxy: None,
                    https_proxy: Some("http://proxy.example.com:3128".into()),
                    no_proxy: Some(".example.com".into()),
                },
                options: MirrorOptions {
                    sync_start: SyncStart::parse("2024-08-21T00:00:00Z"),
                    skopeo_timeout_s: Some(300),
                    architectures: Some(Default::default()),
                },
            }
        );
        let bare: MirrorView = parse(
            r#"{"is_enabled": false, "external_reference": "r.example.com/x", "external_registry_username": null,
                "external_registry_config": {}, "sync_interval": 60,
                "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["a"]}, "robot_username": "exampleorg+m"}"#,
        );
        let mirror = mirror_from_view("exampleorg", &bare);
        assert!(mirror.verify_tls);
        assert!(!mirror.unsigned_images);
        assert_eq!(mirror.username, None);
        assert_eq!(mirror.proxy, Proxy::default());
        assert_eq!(mirror.robot, "m");
    }
}
