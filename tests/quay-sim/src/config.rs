//! How one quay-sim instance is set up: tokens, users, emulated Quay version, feature switches
//! and the injected latency/faults. Shared by the library (`QuaySim::start`) and the binary.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// The Quay release whose version-dependent behaviours (quay-api.md §15) are emulated.
/// Ordered oldest to newest so `version >= QuayVersion::V3_15` reads as "3.15 or newer".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QuayVersion {
    V3_12,
    V3_15,
    V3_17,
    V3_18,
    /// The newest behaviour: the unreleased quay/quay HEAD that quay-observed.md was recorded on.
    Head,
}

impl QuayVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            QuayVersion::V3_12 => "3.12",
            QuayVersion::V3_15 => "3.15",
            QuayVersion::V3_17 => "3.17",
            QuayVersion::V3_18 => "3.18",
            QuayVersion::Head => "head",
        }
    }
}

impl Default for QuayVersion {
    /// The issue asks for "the newest behaviour, as on the real server of quay-observed.md".
    fn default() -> Self {
        QuayVersion::Head
    }
}

impl fmt::Display for QuayVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QuayVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches('v') {
            "3.12" => Ok(QuayVersion::V3_12),
            "3.15" => Ok(QuayVersion::V3_15),
            "3.17" => Ok(QuayVersion::V3_17),
            "3.18" => Ok(QuayVersion::V3_18),
            "head" | "HEAD" | "newest" => Ok(QuayVersion::Head),
            other => Err(format!(
                "unknown Quay version '{other}': use 3.12, 3.15, 3.17, 3.18 or head"
            )),
        }
    }
}

/// Quay's `AUTHENTICATION_TYPE`: what team syncing syncs from (quay-api-breadth.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Authentication {
    /// Quay's own user database: no team syncing.
    #[default]
    Database,
    /// LDAP: teams sync from a group by `group_dn`.
    Ldap,
    /// OIDC (3.11+): teams sync from a groups-claim entry by `group_name`, at user login.
    Oidc,
}

impl Authentication {
    /// Quay's name (`GET /config` `config.AUTHENTICATION_TYPE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Authentication::Database => "Database",
            Authentication::Ldap => "LDAP",
            Authentication::Oidc => "OIDC",
        }
    }

    /// The sync service name (`synced.service`, `can_sync.service`).
    pub fn service(self) -> Option<&'static str> {
        match self {
            Authentication::Database => None,
            Authentication::Ldap => Some("ldap"),
            Authentication::Oidc => Some("oidc"),
        }
    }
}

impl FromStr for Authentication {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "database" => Ok(Authentication::Database),
            "ldap" => Ok(Authentication::Ldap),
            "oidc" => Ok(Authentication::Oidc),
            _ => Err(format!(
                "unknown authentication type '{s}': use Database, LDAP or OIDC"
            )),
        }
    }
}

/// A Quay feature flag that `--disable-feature` can turn off (Quay's `FEATURE_*` name without
/// the prefix). Every feature mqc uses is on unless disabled, except team syncing, which also
/// needs LDAP or OIDC authentication (`--ldap`, `--authentication-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `FEATURE_REPO_MIRROR`: the mirror routes and the `MIRROR` repository state.
    RepoMirror,
    /// `FEATURE_TEAM_SYNCING`: the team `syncing` route.
    TeamSyncing,
    /// `FEATURE_QUOTA_MANAGEMENT`: the organization quota routes.
    QuotaManagement,
    /// `FEATURE_SUPERUSERS_FULL_ACCESS`: superusers may write quotas (3.16+).
    SuperusersFullAccess,
    /// `FEATURE_CHANGE_TAG_EXPIRATION`: an organization's `tag_expiration_s` can be changed.
    ChangeTagExpiration,
    /// `FEATURE_AUTO_PRUNE`: the `autoprunepolicy` routes.
    AutoPrune,
    /// `FEATURE_IMMUTABLE_TAGS`: the `immutabilitypolicy` routes (3.17+).
    ImmutableTags,
}

impl Feature {
    pub const ALL: [Feature; 7] = [
        Feature::RepoMirror,
        Feature::TeamSyncing,
        Feature::QuotaManagement,
        Feature::SuperusersFullAccess,
        Feature::ChangeTagExpiration,
        Feature::AutoPrune,
        Feature::ImmutableTags,
    ];

    /// Quay's flag name without `FEATURE_`.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::RepoMirror => "REPO_MIRROR",
            Feature::TeamSyncing => "TEAM_SYNCING",
            Feature::QuotaManagement => "QUOTA_MANAGEMENT",
            Feature::SuperusersFullAccess => "SUPERUSERS_FULL_ACCESS",
            Feature::ChangeTagExpiration => "CHANGE_TAG_EXPIRATION",
            Feature::AutoPrune => "AUTO_PRUNE",
            Feature::ImmutableTags => "IMMUTABLE_TAGS",
        }
    }
}

impl FromStr for Feature {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        let name = name.strip_prefix("FEATURE_").unwrap_or(name);
        Feature::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<&str> = Feature::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown feature '{s}': quay-sim can disable {}",
                    names.join(", ")
                )
            })
    }
}

/// An OAuth scope a Quay token may carry (quay-api.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    OrgAdmin,
    RepoAdmin,
    RepoCreate,
    RepoRead,
    RepoWrite,
    UserAdmin,
    UserRead,
    SuperUser,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::OrgAdmin,
        Scope::RepoAdmin,
        Scope::RepoCreate,
        Scope::RepoRead,
        Scope::RepoWrite,
        Scope::UserAdmin,
        Scope::UserRead,
        Scope::SuperUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrgAdmin => "org:admin",
            Scope::RepoAdmin => "repo:admin",
            Scope::RepoCreate => "repo:create",
            Scope::RepoRead => "repo:read",
            Scope::RepoWrite => "repo:write",
            Scope::UserAdmin => "user:admin",
            Scope::UserRead => "user:read",
            Scope::SuperUser => "super:user",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown scope '{s}': use org:admin, repo:admin, repo:create, repo:read, \
                     repo:write, user:admin, user:read or super:user"
                )
            })
    }
}

/// One OAuth token the sim accepts: the user it belongs to and its scopes.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSpec {
    pub token: String,
    pub user: String,
    pub scopes: BTreeSet<Scope>,
}

impl fmt::Debug for TokenSpec {
    // Tokens are secrets even in a test tool: keep them out of debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSpec")
            .field("token", &"(redacted)")
            .field("user", &self.user)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl TokenSpec {
    /// A token of the superuser `admin` with every scope (what `--token NAME` gives).
    pub fn superuser(token: impl Into<String>) -> TokenSpec {
        TokenSpec::new(token, SUPERUSER, Scope::ALL)
    }

    pub fn new(
        token: impl Into<String>,
        user: impl Into<String>,
        scopes: impl IntoIterator<Item = Scope>,
    ) -> TokenSpec {
        TokenSpec {
            token: token.into(),
            user: user.into(),
            scopes: scopes.into_iter().collect(),
        }
    }

    /// Parses the `--token` flag: `TOKEN` (admin, every scope) or `TOKEN:scope1,scope2`
    /// (admin with only those scopes).
    pub fn parse_cli(raw: &str) -> Result<TokenSpec, String> {
        match raw.split_once(':') {
            None if raw.is_empty() => Err("--token needs a value".to_string()),
            None => Ok(TokenSpec::superuser(raw)),
            Some((token, scopes)) => {
                if token.is_empty() {
                    return Err("--token TOKEN:SCOPES needs a token before ':'".to_string());
                }
                let scopes = scopes
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(Scope::from_str)
                    .collect::<Result<BTreeSet<_>, _>>()?;
                Ok(TokenSpec {
                    token: token.to_string(),
                    user: SUPERUSER.to_string(),
                    scopes,
                })
            }
        }
    }
}

/// The superuser that always exists.
pub const SUPERUSER: &str = "admin";

/// A real Quay's capacity: its worker count and what one authenticated request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub workers: usize,
    pub cost: Duration,
}

/// nginx's `limit_req` in front of the API: requests per second and burst, `nodelay`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitSpec {
    pub rate: f64,
    pub burst: u32,
}

/// The token `Config::default()` accepts (superuser `admin`, every scope).
pub const DEFAULT_TOKEN: &str = "admin-token";

/// Everything that decides how an instance behaves. `Config::default()` listens on a free
/// loopback port, accepts the token `admin-token` (superuser `admin`, every scope), has only
/// the user `admin`, emulates the newest Quay (`head`), no mailing, no LDAP, no faults.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub tokens: Vec<TokenSpec>,
    /// Users besides `admin`, which always exists.
    pub users: Vec<String>,
    pub latency: Duration,
    /// Share (0..=1) of API requests answered with 502/503/504 or a dropped connection.
    pub fault_rate: f64,
    /// Share (0..=1) of API requests answered with nginx's 429 page.
    pub throttle_rate: f64,
    /// `--workers N --cost-ms C`: at most N requests are served at once, each authenticated one
    /// for C (an anonymous one for C/15); the others queue. `None`: no capacity limit.
    pub capacity: Option<Capacity>,
    /// `--rate-limit R --burst B`: nginx's `limit_req` per client address on `/api/`.
    pub rate_limit: Option<RateLimitSpec>,
    /// Seed of the random numbers (faults, tokens, uuids): same seed, same answers.
    pub seed: u64,
    pub tls: bool,
    /// Quay with LDAP authentication and `FEATURE_TEAM_SYNCING` (the same as
    /// `authentication: Authentication::Ldap`).
    pub ldap: bool,
    /// `AUTHENTICATION_TYPE` (`--authentication-type`); LDAP or OIDC turn team syncing on.
    pub authentication: Authentication,
    /// `FEATURE_MAILING` + `FEATURE_REQUIRE_TEAM_INVITE`: users in no team get invites.
    pub mailing: bool,
    /// `FEATURE_SPARSE_INDEX`: a non-empty mirror `architecture_filter` is accepted (3.17+).
    pub sparse_index: bool,
    /// `FEATURE_IMAGE_EXPIRY_TRIGGER` (Quay's default: off; the flag exists from 3.13).
    pub image_expiry_trigger: bool,
    /// `FEATURE_BILLING`: `GET /config` shows no `version_number` (Quay shows it only with
    /// billing off).
    pub billing: bool,
    /// Features switched off (`--disable-feature`); their routes are not registered.
    pub disabled_features: BTreeSet<Feature>,
    pub version: QuayVersion,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tokens: vec![TokenSpec::superuser(DEFAULT_TOKEN)],
            users: Vec::new(),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            throttle_rate: 0.0,
            capacity: None,
            rate_limit: None,
            seed: 0,
            tls: false,
            ldap: false,
            authentication: Authentication::Database,
            mailing: false,
            sparse_index: false,
            image_expiry_trigger: false,
            billing: false,
            disabled_features: BTreeSet::new(),
            version: QuayVersion::default(),
        }
    }
}

impl Config {
    /// `FEATURE_REPO_MIRROR`: on unless disabled.
    pub fn repo_mirror(&self) -> bool {
        !self.disabled_features.contains(&Feature::RepoMirror)
    }

    /// `FEATURE_AUTO_PRUNE`: on unless disabled.
    pub fn auto_prune(&self) -> bool {
        !self.disabled_features.contains(&Feature::AutoPrune)
    }

    /// `FEATURE_IMMUTABLE_TAGS`: on unless disabled, from Quay 3.17 (older versions have no
    /// such flag).
    pub fn immutable_tags(&self) -> bool {
        self.version >= QuayVersion::V3_17
            && !self.disabled_features.contains(&Feature::ImmutableTags)
    }

    /// `FEATURE_TEAM_SYNCING`: with LDAP or OIDC authentication, unless disabled.
    pub fn team_syncing(&self) -> bool {
        self.authentication_type() != Authentication::Database
            && !self.disabled_features.contains(&Feature::TeamSyncing)
    }

    /// The authentication emulated: LDAP with `ldap`, else `authentication`.
    pub fn authentication_type(&self) -> Authentication {
        if self.ldap {
            Authentication::Ldap
        } else {
            self.authentication
        }
    }

    /// Robot federation (`…/robots/{robot}/federation`): Quay 3.13+, no flag.
    pub fn robot_federation(&self) -> bool {
        self.version >= QuayVersion::V3_15
    }

    /// User-robot federation (`/user/robots/{robot}/federation`): Quay 3.18+, no flag.
    pub fn user_robot_federation(&self) -> bool {
        self.version >= QuayVersion::V3_18
    }

    /// Whether `feature` is on: every switchable feature but team syncing is on unless
    /// disabled.
    pub fn enabled(&self, feature: Feature) -> bool {
        !self.disabled_features.contains(&feature)
    }

    /// Every user the instance starts with, `admin` first, without duplicates.
    pub fn all_users(&self) -> Vec<String> {
        let mut users = vec![SUPERUSER.to_string()];
        for user in self.users.iter().chain(self.tokens.iter().map(|t| &t.user)) {
            if !users.contains(user) {
                users.push(user.clone());
            }
        }
        users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_flag_forms() {
        let all = TokenSpec::parse_cli("abc").unwrap();
        assert_eq!(all.user, "admin");
        assert_eq!(all.scopes.len(), 8);
        let few = TokenSpec::parse_cli("abc:org:admin,repo:read").unwrap();
        assert_eq!(few.token, "abc");
        assert_eq!(
            few.scopes,
            BTreeSet::from([Scope::OrgAdmin, Scope::RepoRead])
        );
        assert!(TokenSpec::parse_cli("abc:org:owner").is_err());
        assert!(!format!("{few:?}").contains("abc"));
    }

    #[test]
    fn authentication_types_and_what_they_switch_on() {
        assert_eq!("OIDC".parse::<Authentication>(), Ok(Authentication::Oidc));
        assert_eq!("ldap".parse::<Authentication>(), Ok(Authentication::Ldap));
        assert!("JWT".parse::<Authentication>().is_err());
        let oidc = Config {
            authentication: Authentication::Oidc,
            ..Config::default()
        };
        assert!(oidc.team_syncing());
        assert_eq!(oidc.authentication_type().service(), Some("oidc"));
        let ldap = Config {
            ldap: true,
            authentication: Authentication::Oidc,
            ..Config::default()
        };
        assert_eq!(
            ldap.authentication_type(),
            Authentication::Ldap,
            "--ldap wins"
        );
        let old = Config {
            version: QuayVersion::V3_12,
            ..Config::default()
        };
        assert!(!old.robot_federation() && Config::default().robot_federation());
    }

    #[test]
    fn versions_order_and_parse() {
        assert!(QuayVersion::V3_12 < QuayVersion::V3_15);
        assert!(QuayVersion::V3_18 < QuayVersion::Head);
        assert_eq!("3.17".parse::<QuayVersion>().unwrap(), QuayVersion::V3_17);
        assert!("3.13".parse::<QuayVersion>().is_err());
    }

    #[test]
    fn feature_names_are_quays() {
        assert_eq!("REPO_MIRROR".parse::<Feature>(), Ok(Feature::RepoMirror));
        assert_eq!(
            "FEATURE_TEAM_SYNCING".parse::<Feature>(),
            Ok(Feature::TeamSyncing)
        );
        assert!("MIRROR".parse::<Feature>().is_err());
        let mut config = Config {
            ldap: true,
            ..Config::default()
        };
        assert!(config.repo_mirror() && config.team_syncing());
        config.disabled_features.insert(Feature::RepoMirror);
        config.disabled_features.insert(Feature::TeamSyncing);
        assert!(!config.repo_mirror() && !config.team_syncing());
        assert!(
            !Config::default().team_syncing(),
            "team syncing needs --ldap"
        );
    }
}
