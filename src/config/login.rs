//! The login file (`.mqc/login.yaml`): Quay tokens and mirror passwords, in the original
//! tool's format so existing files keep working:
//!
//! ```yaml
//! quay_endpoint_login:
//!   - quay_endpoint: quay.example.com
//!     quay_token: …
//! mirror_repository:
//!   - organization: org
//!     repository: repo
//!     ext_registry_username: puller
//!     ext_registry_password: …
//! ```
//!
//! Values live in [`SecretString`]s; they are exposed only by the serializer that writes the
//! file. No message of this module ever contains one.

use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};

use super::finding::{Finding, Pos};
use super::yaml::{Kind, Node};
use super::ConfigError;
use crate::model::{DesiredOrganization, Endpoint, MirrorCredentialKey, Secrets};

/// The login file's content, in the order it is written.
#[derive(Debug, Default, Clone)]
pub struct LoginFile {
    pub tokens: Vec<(Endpoint, SecretString)>,
    pub mirror_passwords: Vec<(MirrorCredentialKey, SecretString)>,
}

impl LoginFile {
    pub fn from_secrets(secrets: &Secrets) -> LoginFile {
        LoginFile {
            tokens: secrets
                .endpoints()
                .filter_map(|e| secrets.token(e).map(|t| (e.clone(), t.clone())))
                .collect(),
            mirror_passwords: secrets
                .mirror_keys()
                .filter_map(|k| secrets.mirror_password(k).map(|p| (k.clone(), p.clone())))
                .collect(),
        }
    }

    pub fn to_secrets(&self) -> Secrets {
        let mut secrets = Secrets::default();
        for (endpoint, token) in &self.tokens {
            secrets.insert_token(endpoint.clone(), token.clone());
        }
        for (key, password) in &self.mirror_passwords {
            secrets.insert_mirror_password(key.clone(), password.clone());
        }
        secrets
    }
}

/// A secret value, exposed only to the serializer writing the login file.
struct Exposed<'a>(&'a SecretString);

impl Serialize for Exposed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_secret())
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    quay_endpoint_login: Vec<TokenOut<'a>>,
    mirror_repository: Vec<MirrorOut<'a>>,
}

#[derive(Serialize)]
struct TokenOut<'a> {
    quay_endpoint: String,
    quay_token: Exposed<'a>,
}

#[derive(Serialize)]
struct MirrorOut<'a> {
    organization: &'a str,
    repository: &'a str,
    ext_registry_username: &'a str,
    ext_registry_password: Exposed<'a>,
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> ConfigError {
    ConfigError::Io {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    }
}

/// Reads the login file. `Ok(None)` when it does not exist.
pub fn load_login(path: &Path) -> Result<Option<Secrets>, ConfigError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, "cannot read the login file", e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let access = login_file_access(meta.mode(), meta.uid(), process_uid());
        if let LoginFileAccess::TooOpen(what) = access {
            tracing::warn!(
                "the login file {} is {what} (mode {:o}): it holds tokens; run `chmod 600 {}` \
                 (see docs/security.md, \"Who may read the login file\")",
                path.display(),
                meta.mode() & 0o777,
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let invalid = |findings: Vec<Finding>| ConfigError::Login {
        path: path.to_path_buf(),
        findings,
    };
    #[cfg(unix)]
    if let Err(e) = fs::File::open(path) {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            let finding = Finding::error(path, None, format!("cannot read the login file: {e}"))
                .with_hint(unreadable_hint(&meta));
            return Err(invalid(vec![finding]));
        }
    }
    let text = super::read_text(path).map_err(|f| invalid(vec![f]))?;
    // A login file without a document (empty, or only comments) holds no secrets yet.
    let Some(root) = super::parse_text(path, &text).map_err(invalid)? else {
        return Ok(Some(Secrets::default()));
    };
    let mut reader = LoginReader {
        path,
        findings: Vec::new(),
        secrets: Secrets::default(),
    };
    reader.read(&root);
    if reader.findings.is_empty() {
        Ok(Some(reader.secrets))
    } else {
        Err(invalid(reader.findings))
    }
}

/// What the permission rule makes of a login file (docs/security.md, "Who may read the login
/// file"). It holds superuser tokens, so only its owner should read it — with one exception:
/// a file that **root** provisioned for a group mqc's (non-root) user is in, which is what a
/// Kubernetes Secret mounted with `fsGroup` is (owner root, group the pod's `fsGroup`, mode
/// `defaultMode | 0440`) and what `/etc/mqc/login.yaml` owned `root:mqc` with mode 0640 is.
/// mqc's user can neither change nor `chmod` such a file, and who is in the group is root's
/// decision, so a warning would be noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFileAccess {
    /// No permission for group or others (0600, 0400).
    Private,
    /// Group-readable, not group-writable, nothing for others, owned by root, and mqc does not
    /// run as root (0440 or 0640 `root:GROUP`).
    ProvisionedForGroup,
    /// Anything else: warned about, naming what is wrong.
    TooOpen(&'static str),
}

/// The permission rule: `mode` and `owner` are the file's (after following links, as
/// Kubernetes mounts Secret files through them), `process_uid` mqc's effective user, `None`
/// when unknown (then no exception applies).
pub fn login_file_access(mode: u32, owner: u32, process_uid: Option<u32>) -> LoginFileAccess {
    let (group, others) = (mode & 0o070, mode & 0o007);
    let provisioned_by_root = owner == 0 && matches!(process_uid, Some(uid) if uid != 0);
    match (group, others) {
        (0, 0) => LoginFileAccess::Private,
        (0o040, 0) if provisioned_by_root => LoginFileAccess::ProvisionedForGroup,
        _ if mode & 0o044 != 0 => LoginFileAccess::TooOpen("readable by group or others"),
        _ => LoginFileAccess::TooOpen("accessible by group or others"),
    }
}

/// mqc's effective user: the owner of `/proc/self` (Linux; `None` elsewhere, which keeps the
/// rule strict).
#[cfg(unix)]
fn process_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// What to do when mqc's user may not read the login file. In Kubernetes that is a Secret
/// mounted without `fsGroup`: its files belong to root, and `defaultMode: 0400` then leaves
/// a non-root user out.
#[cfg(unix)]
fn unreadable_hint(meta: &fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    let user = process_uid().map_or_else(|| "mqc's user".to_string(), |uid| format!("user {uid}"));
    format!(
        "the file belongs to user {} and group {} with mode {:o}, and mqc runs as {user}: in \
         Kubernetes set the pod's securityContext.fsGroup so that the Secret is mounted readable \
         by that group (see deploy/kubernetes/); elsewhere give the file to mqc's user with mode 600",
        meta.uid(),
        meta.gid(),
        meta.mode() & 0o777
    )
}

/// Walks the login file's tree. Messages name keys and positions, never values (except
/// endpoints, organization, repository and user names, which are not secret).
struct LoginReader<'a> {
    path: &'a Path,
    findings: Vec<Finding>,
    secrets: Secrets,
}

impl LoginReader<'_> {
    fn error(&mut self, pos: Pos, message: String) {
        self.findings.push(
            Finding::error(self.path, Some(pos), message)
                .with_hint("fix the login file, or write it again with `mqc login --recreate`"),
        );
    }

    /// An unknown key is an error, as in organization files: a misspelled `quay_token` would
    /// otherwise look like a missing token, a misspelled section like an empty one.
    fn unknown_key(&mut self, pos: Pos, key: &str, where_: &str, valid: &[&'static str]) {
        let message = match super::decode::suggest(key, valid) {
            Some(s) => format!("unknown key `{key}` {where_}; did you mean `{s}`?"),
            None => format!("unknown key `{key}` {where_}"),
        };
        self.findings.push(
            Finding::error(self.path, Some(pos), message)
                .with_hint(format!("keys allowed here: {}", valid.join(", "))),
        );
    }

    fn entries<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Rc<Node>, Rc<Node>)]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            _ => {
                self.error(
                    node.pos,
                    format!("{what} must be a map, found {}", node.describe()),
                );
                None
            }
        }
    }

    fn items<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Rc<Node>] {
        match &node.kind {
            Kind::Seq(items) => items,
            _ if node.is_null() => &[],
            _ => {
                self.error(
                    node.pos,
                    format!("`{what}` must be a list, found {}", node.describe()),
                );
                &[]
            }
        }
    }

    /// The text values of `keys` in one list item, in order; `None` after reporting a problem.
    fn record(&mut self, node: &Node, what: &str, keys: &[&'static str]) -> Option<Vec<String>> {
        let entries = self.entries(node, what)?;
        let mut values: Vec<Option<String>> = vec![None; keys.len()];
        for (k, v) in entries {
            let key = k.scalar().map(|s| s.value.as_str()).unwrap_or("");
            let Some(i) = keys.iter().position(|known| *known == key) else {
                self.unknown_key(k.pos, key, &format!("in {what}"), keys);
                continue;
            };
            match v.scalar().filter(|s| !s.is_null()) {
                Some(s) if !s.value.is_empty() => values[i] = Some(s.value.clone()),
                _ => {
                    self.error(
                        v.pos,
                        format!("`{key}` in {what} must be a non-empty text value"),
                    );
                    return None;
                }
            }
        }
        let mut out = Vec::with_capacity(keys.len());
        for (key, value) in keys.iter().zip(values) {
            match value {
                Some(v) => out.push(v),
                None => {
                    self.error(node.pos, format!("{what} lacks `{key}`"));
                    return None;
                }
            }
        }
        Some(out)
    }

    fn read(&mut self, root: &Node) {
        let Some(entries) = self.entries(root, "the login file") else {
            return;
        };
        for (k, v) in entries {
            let key = k.scalar().map(|s| s.value.as_str()).unwrap_or("");
            match key {
                "quay_endpoint_login" => {
                    for (i, item) in self.items(v, key).iter().enumerate() {
                        let what = format!("`quay_endpoint_login[{i}]`");
                        let Some(values) =
                            self.record(item, &what, &["quay_endpoint", "quay_token"])
                        else {
                            continue;
                        };
                        let [raw, token] = <[String; 2]>::try_from(values).unwrap_or_default();
                        match Endpoint::parse(&raw) {
                            Some(endpoint) => self.secrets.insert_token(endpoint, SecretString::from(token)),
                            None => self.error(
                                item.pos,
                                format!("`quay_endpoint` `{raw}` in {what} is not a host[:port] or an http(s):// URL"),
                            ),
                        }
                    }
                }
                "mirror_repository" => {
                    for (i, item) in self.items(v, key).iter().enumerate() {
                        let what = format!("`mirror_repository[{i}]`");
                        let keys = [
                            "organization",
                            "repository",
                            "ext_registry_username",
                            "ext_registry_password",
                        ];
                        let Some(values) = self.record(item, &what, &keys) else {
                            continue;
                        };
                        let [organization, repository, username, password] =
                            <[String; 4]>::try_from(values).unwrap_or_default();
                        self.secrets.insert_mirror_password(
                            MirrorCredentialKey {
                                organization,
                                repository,
                                username,
                            },
                            SecretString::from(password),
                        );
                    }
                }
                other => self.unknown_key(
                    k.pos,
                    other,
                    "at the top level of the login file",
                    &["quay_endpoint_login", "mirror_repository"],
                ),
            }
        }
    }
}

/// Writes the login file atomically with mode 0600 (see [`super::write_atomically`]); its
/// directory is created with mode 0700 when absent.
pub fn save_login(path: &Path, login: &LoginFile) -> Result<(), ConfigError> {
    let out = FileOut {
        quay_endpoint_login: login
            .tokens
            .iter()
            .map(|(e, t)| TokenOut {
                quay_endpoint: super::mapping::endpoint_to_file(e),
                quay_token: Exposed(t),
            })
            .collect(),
        mirror_repository: login
            .mirror_passwords
            .iter()
            .map(|(k, p)| MirrorOut {
                organization: &k.organization,
                repository: &k.repository,
                ext_registry_username: &k.username,
                ext_registry_password: Exposed(p),
            })
            .collect(),
    };
    let text = serde_yaml::to_string(&out).map_err(|_| ConfigError::Io {
        path: path.to_path_buf(),
        message: "cannot serialize the login file".into(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        create_private_dir(&dir)
            .map_err(|e| io_error(&dir, "cannot create the login file's directory", e))?;
    }
    let text = format!("# Written by `mqc login`. Keep this file secret (mode 0600).\n{text}");
    super::write_atomically(path, text.as_bytes(), 0o600)
        .map_err(|e| io_error(path, "cannot write the login file", e))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// A secret the organization files need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// A Quay token for an endpoint, and the files that use the endpoint.
    Token {
        endpoint: Endpoint,
        files: Vec<PathBuf>,
    },
    /// A mirror registry password, and the file that declares the mirror.
    MirrorPassword {
        key: MirrorCredentialKey,
        file: PathBuf,
    },
}

/// Every secret `orgs` need: tokens first (endpoints in order of first use), then mirror
/// passwords (organization, then repository order). `mqc login --list` prints this order.
pub fn needs(orgs: &[DesiredOrganization]) -> Vec<Need> {
    let mut tokens: Vec<(Endpoint, Vec<PathBuf>)> = Vec::new();
    let mut mirrors = Vec::new();
    for d in orgs {
        for endpoint in &d.endpoints {
            match tokens.iter_mut().find(|(e, _)| e == endpoint) {
                Some((_, files)) => {
                    if !files.contains(&d.source) {
                        files.push(d.source.clone())
                    }
                }
                None => tokens.push((endpoint.clone(), vec![d.source.clone()])),
            }
        }
        for (name, repo) in &d.organization.repositories {
            if let Some(username) = repo.mirror.as_ref().and_then(|m| m.username.clone()) {
                let key = MirrorCredentialKey {
                    organization: d.organization.name.clone(),
                    repository: name.clone(),
                    username,
                };
                if !mirrors
                    .iter()
                    .any(|n| matches!(n, Need::MirrorPassword { key: k, .. } if *k == key))
                {
                    mirrors.push(Need::MirrorPassword {
                        key,
                        file: d.source.clone(),
                    });
                }
            }
        }
    }
    tokens
        .into_iter()
        .map(|(endpoint, files)| Need::Token { endpoint, files })
        .chain(mirrors)
        .collect()
}

fn env_part(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The environment variable `mqc login --from-env` reads a need from:
/// `MQC_TOKEN_<HOST[:PORT]>` and `MQC_MIRROR_PASSWORD_<ORG>_<REPO>_<USER>`, upper-cased, every
/// other character than A-Z and 0-9 turned into `_`.
pub fn env_var_name(need: &Need) -> String {
    match need {
        Need::Token { endpoint, .. } => format!("MQC_TOKEN_{}", env_part(endpoint.host())),
        Need::MirrorPassword { key, .. } => format!(
            "MQC_MIRROR_PASSWORD_{}_{}_{}",
            env_part(&key.organization),
            env_part(&key.repository),
            env_part(&key.username)
        ),
    }
}

/// The token `MQC_TOKEN_<HOST>` holds for `endpoint`, if it is set and not empty.
pub fn token_from_env(endpoint: &Endpoint) -> Option<SecretString> {
    let need = Need::Token {
        endpoint: endpoint.clone(),
        files: Vec::new(),
    };
    std::env::var_os(env_var_name(&need))
        .filter(|v| !v.is_empty())
        .map(|v| SecretString::from(v.to_string_lossy().into_owned()))
}

impl Need {
    /// Whether `secrets` already hold this need.
    pub fn is_met(&self, secrets: &Secrets) -> bool {
        match self {
            Need::Token { endpoint, .. } => secrets.token(endpoint).is_some(),
            Need::MirrorPassword { key, .. } => secrets.mirror_password(key).is_some(),
        }
    }
}

fn file_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// Which secrets a command sends, and so needs from the login file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsUsed {
    /// Only the endpoints' tokens: `plan` and `delete` never configure a mirror.
    Tokens,
    /// The tokens and every mirror user's password (`create`, `check`).
    TokensAndMirrorPasswords,
}

/// A token for every endpoint and, when `used` says so, a password for every mirror user,
/// from the login file.
pub fn check_secrets(
    orgs: &[DesiredOrganization],
    secrets: &Secrets,
    login_file: &Path,
    used: SecretsUsed,
) -> Vec<Finding> {
    missing_secrets(orgs, secrets, login_file, true, used)
}

/// [`check_secrets`], also when the login file does not exist (`exists` false; `secrets` then
/// holds only what the environment gave): every need still missing is reported, and one note
/// says how to create the file.
pub fn check_login(
    orgs: &[DesiredOrganization],
    secrets: &Secrets,
    exists: bool,
    login_file: &Path,
) -> Vec<Finding> {
    if exists {
        check_secrets(
            orgs,
            secrets,
            login_file,
            SecretsUsed::TokensAndMirrorPasswords,
        )
    } else {
        {
            let mut findings = missing_secrets(
                orgs,
                secrets,
                login_file,
                false,
                SecretsUsed::TokensAndMirrorPasswords,
            );
            findings.push(
                Finding::note(login_file, None, "the login file does not exist")
                    .with_hint("run `mqc login` (same --dir and --login-file) to store the tokens and passwords"),
            );
            findings
        }
    }
}

fn missing_secrets(
    orgs: &[DesiredOrganization],
    secrets: &Secrets,
    login_file: &Path,
    exists: bool,
    used: SecretsUsed,
) -> Vec<Finding> {
    let hint = "run `mqc login` (same --dir and --login-file) to add it";
    let place = if exists {
        format!("in the login file {}", login_file.display())
    } else {
        format!("(the login file {} does not exist)", login_file.display())
    };
    let mut findings = Vec::new();
    for need in needs(orgs) {
        let sent =
            used == SecretsUsed::TokensAndMirrorPasswords || matches!(need, Need::Token { .. });
        if !sent || need.is_met(secrets) {
            continue;
        }
        let finding = match &need {
            Need::Token { endpoint, files } => Finding::error(
                files.first().map_or(login_file, PathBuf::as_path),
                None,
                format!(
                    "no token for endpoint {endpoint} {place}; needed by {}",
                    file_list(files)
                ),
            ),
            Need::MirrorPassword { key, file } => Finding::error(
                file,
                None,
                format!(
                    "no password for mirror user `{}` of {}/{} {place}",
                    key.username, key.organization, key.repository
                ),
            ),
        };
        findings.push(if exists {
            finding.with_hint(hint)
        } else {
            finding
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names() {
        let need = Need::Token {
            endpoint: Endpoint::parse("quay.example.com:8443").unwrap(),
            files: vec![],
        };
        assert_eq!(env_var_name(&need), "MQC_TOKEN_QUAY_EXAMPLE_COM_8443");
        let need = Need::MirrorPassword {
            key: MirrorCredentialKey {
                organization: "my-org".into(),
                repository: "nested/demo.repo".into(),
                username: "pull_er".into(),
            },
            file: PathBuf::new(),
        };
        assert_eq!(
            env_var_name(&need),
            "MQC_MIRROR_PASSWORD_MY_ORG_NESTED_DEMO_REPO_PULL_ER"
        );
    }

    #[test]
    fn a_login_file_with_only_comments_holds_no_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("login.yaml");
        for text in [
            "",
            "# tokens come later\n",
            "---\n# nothing yet\n",
            "null\n",
        ] {
            std::fs::write(&path, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            let secrets = load_login(&path).unwrap().unwrap();
            assert_eq!(secrets.endpoints().count(), 0, "{text:?}");
        }
    }

    #[test]
    fn save_then_load_round_trips_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.mqc/login.yaml");
        let mut secrets = Secrets::default();
        secrets.insert_token(
            Endpoint::parse("quay.example.com").unwrap(),
            SecretString::from("tok-1"),
        );
        secrets.insert_token(
            Endpoint::parse("http://127.0.0.1:8080").unwrap(),
            SecretString::from("tok-2"),
        );
        let key = MirrorCredentialKey {
            organization: "o".into(),
            repository: "r".into(),
            username: "u".into(),
        };
        secrets.insert_mirror_password(key.clone(), SecretString::from("pw: with # yaml"));
        save_login(&path, &LoginFile::from_secrets(&secrets)).unwrap();
        let back = load_login(&path).unwrap().unwrap();
        let token = back
            .token(&Endpoint::parse("https://quay.example.com/").unwrap())
            .unwrap();
        assert_eq!(token.expose_secret(), "tok-1");
        assert_eq!(
            back.mirror_password(&key).unwrap().expose_secret(),
            "pw: with # yaml"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn parse_errors_name_positions_but_never_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("login.yaml");
        fs::write(&path, "quay_endpoint_login:\n  - quay_endpoint: q.example.com\n    quay_token: [tok-SECRET-1]\nmirror_repository:\n  - organization: o\n    ext_registry_password: pw-SECRET-2\n").unwrap();
        let err = load_login(&path).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("SECRET"), "{text}");
        let ConfigError::Login { findings, .. } = err else {
            panic!("not a login error")
        };
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert_eq!(findings[0].line, Some(3));
        assert!(findings[0].message.contains("`quay_token`"));
        assert_eq!(findings[1].line, Some(5));
        assert!(findings[1].message.contains("lacks `repository`"));
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("login.yaml");
        fs::write(&path, "quay_endpoint_login:\n  - quay_endpoint: q.example.com\n    quay_token: tok-SECRET-1\n    quay_tokn: tok-SECRET-2\nmirror_repositories: []\n").unwrap();
        let err = load_login(&path).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let ConfigError::Login { findings, .. } = err else {
            panic!("not a login error")
        };
        let messages: Vec<(Option<usize>, &str)> = findings
            .iter()
            .map(|f| (f.line, f.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    Some(4),
                    "unknown key `quay_tokn` in `quay_endpoint_login[0]`; did you mean `quay_token`?"
                ),
                (
                    Some(5),
                    "unknown key `mirror_repositories` at the top level of the login file; did you mean `mirror_repository`?"
                ),
            ]
        );
        assert!(findings.iter().all(Finding::is_error));
    }

    #[test]
    fn the_permission_rule_accepts_private_files_and_root_provisioned_group_reads() {
        use LoginFileAccess::*;
        const ROOT: u32 = 0;
        const MQC: u32 = 65532;
        let readable = TooOpen("readable by group or others");
        let accessible = TooOpen("accessible by group or others");
        let cases = [
            // (mode, owner, mqc's user, verdict)
            (0o600, MQC, Some(MQC), Private), // written by `mqc login`
            (0o400, MQC, Some(MQC), Private), // chmod 400
            (0o400, ROOT, Some(ROOT), Private), // a Secret read by a root container
            (0o600, ROOT, None, Private),
            // A Secret mounted with fsGroup: defaultMode 0400 (or 0440) | 0440, owner root.
            (0o440, ROOT, Some(MQC), ProvisionedForGroup),
            // defaultMode 0600 with fsGroup, or /etc/mqc/login.yaml root:mqc 0640.
            (0o640, ROOT, Some(MQC), ProvisionedForGroup),
            (0o100_440, ROOT, Some(MQC), ProvisionedForGroup), // file-type bits ignored
            // Group-readable files of mqc's own user, or read by root, or by an unknown user.
            (0o440, MQC, Some(MQC), readable),
            (0o640, MQC, Some(MQC), readable),
            (0o640, ROOT, Some(ROOT), readable),
            (0o440, ROOT, None, readable),
            (0o640, 1000, Some(MQC), readable), // another user's file
            // Others may read or write, or the group may write: never accepted.
            (0o644, MQC, Some(MQC), readable),
            (0o644, ROOT, Some(MQC), readable),
            (0o604, ROOT, Some(MQC), readable),
            (0o666, MQC, Some(MQC), readable),
            (0o444, ROOT, Some(MQC), readable),
            (0o660, ROOT, Some(MQC), readable),
            (0o460, ROOT, Some(MQC), readable),
            (0o602, MQC, Some(MQC), accessible),
            (0o620, ROOT, Some(MQC), accessible),
            (0o610, ROOT, Some(MQC), accessible),
        ];
        for (mode, owner, uid, verdict) in cases {
            assert_eq!(
                login_file_access(mode, owner, uid),
                verdict,
                "mode {mode:o}, owner {owner}, mqc as {uid:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_process_user_is_known_on_linux() {
        if cfg!(target_os = "linux") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("mine");
            fs::write(&path, "").unwrap();
            use std::os::unix::fs::MetadataExt;
            // A file this process creates belongs to its effective user.
            assert_eq!(process_uid(), Some(fs::metadata(&path).unwrap().uid()));
        }
    }

    #[test]
    fn an_absent_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_login(&dir.path().join("nope.yaml")).unwrap().is_none());
    }
}
