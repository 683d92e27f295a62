//! The emulated Quay's state (quay-api.md §14): users, organizations with robots, teams and
//! repositories, permissions, mirror configurations and notifications. Plain data plus the
//! lookups the handlers share; all HTTP concerns live in `api`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::config::{Config, QuayVersion, TokenSpec};
use crate::rng::Rng;

/// Team role (org-wide): ordered so `max`/`min` give the stronger/weaker role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamRole {
    Member,
    Creator,
    Admin,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Member => "member",
            TeamRole::Creator => "creator",
            TeamRole::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<TeamRole> {
        match s {
            "member" => Some(TeamRole::Member),
            "creator" => Some(TeamRole::Creator),
            "admin" => Some(TeamRole::Admin),
            _ => None,
        }
    }
}

/// Repository role, ordered weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RepoRole {
    Read,
    Write,
    Admin,
}

impl RepoRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RepoRole::Read => "read",
            RepoRole::Write => "write",
            RepoRole::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<RepoRole> {
        match s {
            "read" => Some(RepoRole::Read),
            "write" => Some(RepoRole::Write),
            "admin" => Some(RepoRole::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoState {
    Normal,
    ReadOnly,
    Mirror,
}

impl RepoState {
    pub fn as_str(self) -> &'static str {
        match self {
            RepoState::Normal => "NORMAL",
            RepoState::ReadOnly => "READ_ONLY",
            RepoState::Mirror => "MIRROR",
        }
    }
    pub fn parse(s: &str) -> Option<RepoState> {
        match s {
            "NORMAL" => Some(RepoState::Normal),
            "READ_ONLY" => Some(RepoState::ReadOnly),
            "MIRROR" => Some(RepoState::Mirror),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    NeverRun,
    SyncNow,
    Syncing,
    Success,
    Fail,
    Cancel,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::NeverRun => "NEVER_RUN",
            SyncStatus::SyncNow => "SYNC_NOW",
            SyncStatus::Syncing => "SYNCING",
            SyncStatus::Success => "SUCCESS",
            SyncStatus::Fail => "FAIL",
            SyncStatus::Cancel => "CANCEL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Robot {
    pub description: String,
    pub token: String,
    pub created: String,
    pub unstructured_metadata: Option<Value>,
    /// Creation order, the list order when nobody has used a robot yet.
    pub seq: u64,
    /// Keyless-auth federation entries (`issuer`, `subject`), in the order last POSTed
    /// (Quay 3.13+; `[]` = none).
    pub federation: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub role: TeamRole,
    pub description: String,
    /// User names and full robot names (`org+robot`).
    pub members: BTreeSet<String>,
    /// Invited user names, duplicates kept (Quay does not dedupe invites).
    pub invites: Vec<String>,
    /// The team sync config, the POST body stored verbatim (`{"group_dn": …}` with LDAP,
    /// `{"group_name": …}` with OIDC); `None` = not synced.
    pub sync: Option<Value>,
    pub seq: u64,
}

impl Team {
    /// The LDAP group of an LDAP-synced team.
    pub fn group_dn(&self) -> Option<&str> {
        self.sync.as_ref()?.get("group_dn")?.as_str()
    }
}

#[derive(Debug, Clone)]
pub struct Mirror {
    pub is_enabled: bool,
    pub external_reference: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub registry_config: Value,
    pub sync_interval: i64,
    pub sync_start_date: String,
    pub sync_expiration_date: Option<String>,
    pub sync_retries_remaining: i64,
    pub sync_status: SyncStatus,
    /// Index into `Repository::mirror_rules` of the rule this config points at.
    pub rule_index: usize,
    pub robot: Option<String>,
    pub skopeo_timeout_interval: Option<i64>,
    pub architecture_filter: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub uuid: String,
    pub event: String,
    pub method: String,
    pub config: Value,
    pub event_config: Value,
    pub title: Option<String>,
    pub number_of_failures: i64,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub id: u64,
    pub description: Option<String>,
    pub public: bool,
    pub state: RepoState,
    pub tags: u64,
    /// User and robot permissions by name.
    pub user_permissions: BTreeMap<String, RepoRole>,
    pub team_permissions: BTreeMap<String, RepoRole>,
    pub mirror: Option<Mirror>,
    pub notifications: Vec<Notification>,
    /// E-mail addresses authorized for its e-mail notifications (`RepositoryAuthorizedEmail`),
    /// with whether the recipient confirmed.
    pub authorized_emails: BTreeMap<String, bool>,
    /// Confirmation e-mails sent (Quay mails one on every `POST …/authorizedemail/{email}` of an
    /// unconfirmed address).
    pub confirmation_mails: u64,
    /// Every mirror rule row created for this repository. A mirror POST creates its rule before
    /// it checks the robot, so a failed POST leaves an orphan rule that a later PUT updates
    /// instead of the config's own rule (bug seen in quay-observed.md).
    pub mirror_rules: Vec<Vec<String>>,
}

/// Who a default permission (prototype) grants its role to. A robot is a `User` with its full
/// `org+short` name, as in Quay (there is no robot kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delegate {
    User(String),
    Team(String),
}

/// A default permission (`PermissionPrototype`, `data/model/permission.py`): applied to every
/// repository created in the organization afterwards, never to existing ones.
#[derive(Debug, Clone)]
pub struct Prototype {
    pub uuid: String,
    pub role: RepoRole,
    /// `None`: whoever creates the repository. A user or full robot name.
    pub activating_user: Option<String>,
    pub delegate: Delegate,
}

impl Prototype {
    /// Whether the prototype names `full` (a user or full robot name) as delegate or
    /// activating user: deleting that account deletes the prototype.
    pub fn names_user(&self, full: &str) -> bool {
        self.delegate == Delegate::User(full.to_string())
            || self.activating_user.as_deref() == Some(full)
    }
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: u64,
    /// `None` = Quay's random UUID placeholder (shown as `placeholder_email`).
    pub email: Option<String>,
    pub placeholder_email: String,
    pub robots: BTreeMap<String, Robot>,
    pub teams: BTreeMap<String, Team>,
    pub repositories: BTreeMap<String, Repository>,
    pub tag_expiration_s: i64,
    pub invoice_email: bool,
    pub invoice_email_address: Option<String>,
    /// Default permissions in creation order (Quay's GET has no ORDER BY: database order).
    pub prototypes: Vec<Prototype>,
    /// Auto-prune policies of the organization and of its repositories, in creation order.
    pub auto_prune: Vec<AutoPrunePolicy>,
    /// Immutability policies of the organization and of its repositories (3.17+).
    pub immutability: Vec<ImmutabilityPolicy>,
    /// The organization's quota (one at most).
    pub quota: Option<Quota>,
}

/// An immutability policy (`ImmutabilityPolicy`, `data/model/immutability.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImmutabilityPolicy {
    pub uuid: String,
    /// `None`: the organization's own; else the id of its repository.
    pub repository: Option<u64>,
    pub tag_pattern: String,
    pub tag_pattern_matches: bool,
}

/// An auto-prune policy (`NamespaceAutoPrunePolicy` / `RepositoryAutoPrunePolicy`).
#[derive(Debug, Clone, PartialEq)]
pub struct AutoPrunePolicy {
    pub uuid: String,
    /// `None`: the organization's own; else the id of its repository (a deleted repository's
    /// policies go with it: a new one of the same name has another id).
    pub repository: Option<u64>,
    pub method: String,
    /// As sent: a JSON integer or string.
    pub value: serde_json::Value,
    pub tag_pattern: Option<String>,
    /// `None` for policies written by 3.12.
    pub tag_pattern_matches: Option<bool>,
}

impl AutoPrunePolicy {
    /// Quay's duplicate check (`model/autoprune.py`): same method, value, pattern and
    /// matches, an unset matches counting as true.
    pub fn same_values(&self, other: &AutoPrunePolicy) -> bool {
        self.method == other.method
            && self.value == other.value
            && self.tag_pattern == other.tag_pattern
            && self.tag_pattern_matches.unwrap_or(true) == other.tag_pattern_matches.unwrap_or(true)
    }
}

/// An organization quota: its size in bytes and its limits.
#[derive(Debug, Clone)]
pub struct Quota {
    pub id: u64,
    pub limit_bytes: u64,
    pub limits: Vec<QuotaLimit>,
}

/// A quota limit: `Warning` or `Reject` at a percent.
#[derive(Debug, Clone)]
pub struct QuotaLimit {
    pub id: u64,
    pub kind: String,
    pub percent: i64,
}

impl Organization {
    /// The stored email column: the address, or the UUID placeholder.
    pub fn stored_email(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.placeholder_email)
    }

    /// Team names the member (user or full robot name) belongs to.
    pub fn teams_of<'a>(&'a self, member: &'a str) -> impl Iterator<Item = (&'a String, &'a Team)> {
        self.teams
            .iter()
            .filter(move |(_, team)| team.members.contains(member))
    }

    /// The strongest team role of a user in this org (uncapped by token scopes).
    pub fn role_of(&self, user: &str) -> Option<TeamRole> {
        self.teams_of(user).map(|(_, team)| team.role).max()
    }

    /// The robot of this org a mirror uses, if any.
    pub fn robot_used_by_mirror(&self, full_name: &str) -> bool {
        self.repositories.values().any(|repo| {
            repo.mirror
                .as_ref()
                .is_some_and(|m| m.robot.as_deref() == Some(full_name))
        })
    }
}

/// The whole emulated Quay.
#[derive(Debug, Clone)]
pub struct State {
    pub version: QuayVersion,
    pub mailing: bool,
    pub ldap: bool,
    /// `AUTHENTICATION_TYPE` (LDAP with `--ldap`).
    pub authentication: crate::config::Authentication,
    /// Robot federation routes (Quay 3.13+).
    pub robot_federation: bool,
    pub user_robot_federation: bool,
    /// `FEATURE_TEAM_SYNCING` (`--ldap`, unless disabled).
    pub team_syncing: bool,
    /// `FEATURE_REPO_MIRROR` (on unless disabled).
    pub repo_mirror: bool,
    /// `FEATURE_AUTO_PRUNE` (on unless disabled).
    pub auto_prune: bool,
    /// `FEATURE_IMMUTABLE_TAGS` (on unless disabled; the flag and its routes exist from 3.17).
    pub immutable_tags: bool,
    pub sparse_index: bool,
    /// `FEATURE_IMAGE_EXPIRY_TRIGGER` (3.13+).
    pub image_expiry_trigger: bool,
    pub billing: bool,
    /// `FEATURE_QUOTA_MANAGEMENT`, `FEATURE_SUPERUSERS_FULL_ACCESS`,
    /// `FEATURE_CHANGE_TAG_EXPIRATION` (on unless disabled).
    pub quota_management: bool,
    pub superusers_full_access: bool,
    pub change_tag_expiration: bool,
    pub tokens: Vec<TokenSpec>,
    pub users: BTreeMap<String, User>,
    pub organizations: BTreeMap<String, Organization>,
    /// HEAD only: names of deleted organizations that stay taken until the namespace GC runs.
    pub reserved_names: BTreeSet<String>,
    next_namespace_id: u64,
    next_repository_id: u64,
    next_seq: u64,
    pub rng: Rng,
}

impl State {
    pub fn new(config: &Config) -> State {
        let mut state = State {
            version: config.version,
            mailing: config.mailing,
            ldap: config.ldap,
            authentication: config.authentication_type(),
            robot_federation: config.robot_federation(),
            user_robot_federation: config.user_robot_federation(),
            team_syncing: config.team_syncing(),
            repo_mirror: config.repo_mirror(),
            auto_prune: config.auto_prune(),
            immutable_tags: config.immutable_tags(),
            sparse_index: config.sparse_index,
            image_expiry_trigger: config.image_expiry_trigger,
            billing: config.billing,
            quota_management: config.enabled(crate::config::Feature::QuotaManagement),
            superusers_full_access: config.enabled(crate::config::Feature::SuperusersFullAccess),
            change_tag_expiration: config.enabled(crate::config::Feature::ChangeTagExpiration),
            tokens: config.tokens.clone(),
            users: BTreeMap::new(),
            organizations: BTreeMap::new(),
            reserved_names: BTreeSet::new(),
            next_namespace_id: 1,
            next_repository_id: 1,
            next_seq: 1,
            // Salted so fault draws (seeded with the plain seed) and ids differ.
            rng: Rng::new(config.seed ^ 0x5157_4159_5349_4D00),
        };
        for user in config.all_users() {
            state.add_user(&user);
        }
        state
    }

    pub fn add_user(&mut self, name: &str) {
        if self.users.contains_key(name) || self.organizations.contains_key(name) {
            return;
        }
        let id = self.next_namespace_id();
        self.users.insert(
            name.to_string(),
            User {
                id,
                email: format!("{name}@users.quay-sim.invalid"),
            },
        );
    }

    pub fn next_namespace_id(&mut self) -> u64 {
        let id = self.next_namespace_id;
        self.next_namespace_id += 1;
        id
    }

    pub fn next_repository_id(&mut self) -> u64 {
        let id = self.next_repository_id;
        self.next_repository_id += 1;
        id
    }

    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    pub fn token(&self, token: &str) -> Option<&TokenSpec> {
        self.tokens.iter().find(|t| t.token == token)
    }

    pub fn is_superuser(&self, user: &str) -> bool {
        user == crate::config::SUPERUSER
    }

    /// Whether a name is an existing robot (`org+short`).
    pub fn robot_exists(&self, full_name: &str) -> bool {
        full_name.split_once('+').is_some_and(|(org, short)| {
            self.organizations
                .get(org)
                .is_some_and(|o| o.robots.contains_key(short))
        })
    }

    /// Name taken by a user or an organization (robots cannot collide: they contain `+`).
    pub fn namespace_taken(&self, name: &str) -> bool {
        self.users.contains_key(name) || self.organizations.contains_key(name)
    }

    /// Whether an email is stored on any user or org (≤3.17 uniqueness rule).
    pub fn email_used_by_anyone(&self, email: &str) -> bool {
        self.users.values().any(|u| u.email == email)
            || self
                .organizations
                .values()
                .any(|o| o.email.as_deref() == Some(email))
    }

    pub fn email_used_by_user(&self, email: &str) -> bool {
        self.users.values().any(|u| u.email == email)
    }

    /// Creates an organization owned by `owner` (put in its `owners` team), no checks.
    pub fn insert_organization(&mut self, name: &str, email: Option<String>, owner: &str) {
        let id = self.next_namespace_id();
        let placeholder_email = self.rng.uuid4();
        let seq = self.next_seq();
        let owners = Team {
            role: TeamRole::Admin,
            description: String::new(),
            members: BTreeSet::from([owner.to_string()]),
            invites: Vec::new(),
            sync: None,
            seq,
        };
        self.organizations.insert(
            name.to_string(),
            Organization {
                id,
                email,
                placeholder_email,
                robots: BTreeMap::new(),
                teams: BTreeMap::from([("owners".to_string(), owners)]),
                repositories: BTreeMap::new(),
                tag_expiration_s: 1_209_600,
                auto_prune: Vec::new(),
                immutability: Vec::new(),
                invoice_email: false,
                invoice_email_address: None,
                prototypes: Vec::new(),
                quota: None,
            },
        );
        self.reserved_names.remove(name);
    }

    /// Deletes an organization; at HEAD its name stays reserved until the namespace GC runs.
    pub fn remove_organization(&mut self, name: &str) -> bool {
        let Some(removed) = self.organizations.remove(name) else {
            return false;
        };
        // Its robots go with it, and so do other organizations' prototypes naming them.
        for short in removed.robots.keys() {
            self.remove_prototypes_naming(&format!("{name}+{short}"));
        }
        if self.version == QuayVersion::Head {
            self.reserved_names.insert(name.to_string());
        }
        true
    }

    /// Creates a robot, no checks; returns its token.
    pub fn insert_robot(
        &mut self,
        org: &str,
        short: &str,
        description: &str,
        unstructured_metadata: Option<Value>,
    ) -> Option<Robot> {
        let token = self.rng.robot_token();
        let seq = self.next_seq();
        let robot = Robot {
            description: description.chars().take(255).collect(),
            token,
            created: rfc2822_now(),
            unstructured_metadata,
            seq,
            federation: Vec::new(),
        };
        let organization = self.organizations.get_mut(org)?;
        organization.robots.insert(short.to_string(), robot.clone());
        Some(robot)
    }

    /// Removes a robot with its memberships and permissions; any mirror using it loses its
    /// robot (3.12 lets that happen).
    pub fn remove_robot(&mut self, org: &str, short: &str) -> bool {
        let Some(organization) = self.organizations.get_mut(org) else {
            return false;
        };
        if organization.robots.remove(short).is_none() {
            return false;
        }
        let full = format!("{org}+{short}");
        for team in organization.teams.values_mut() {
            team.members.remove(&full);
        }
        for repo in organization.repositories.values_mut() {
            repo.user_permissions.remove(&full);
            if let Some(mirror) = repo.mirror.as_mut() {
                if mirror.robot.as_deref() == Some(full.as_str()) {
                    mirror.robot = None;
                }
            }
        }
        self.remove_prototypes_naming(&full);
        true
    }

    /// Deletes every prototype, in any organization, whose delegate or activating user is
    /// `full` (Quay deletes the account with `delete_nullable=True`; a prototype may name a
    /// robot of another organization, Quay does not check).
    pub fn remove_prototypes_naming(&mut self, full: &str) {
        for organization in self.organizations.values_mut() {
            organization.prototypes.retain(|p| !p.names_user(full));
        }
    }

    /// Deletes a team with its repository permissions and the prototypes delegating to it.
    pub fn remove_team(&mut self, org: &str, team: &str) {
        if let Some(organization) = self.organizations.get_mut(org) {
            organization.teams.remove(team);
            for repo in organization.repositories.values_mut() {
                repo.team_permissions.remove(team);
            }
            let delegate = Delegate::Team(team.to_string());
            organization.prototypes.retain(|p| p.delegate != delegate);
        }
    }

    /// Grants the organization's default permissions on a repository just created by
    /// `creator` (`apply_default_permissions`, `data/model/permission.py`): prototypes for the
    /// creator or for anyone; team and user prototypes resolved separately; per delegate, a
    /// prototype for the creator replaces an earlier one, a catch-all never replaces one; a user
    /// prototype delegating to the creator is skipped (the creator is admin already).
    pub fn apply_prototypes(&mut self, org: &str, repo: &str, creator: &str) {
        let Some(organization) = self.organizations.get_mut(org) else {
            return;
        };
        let applies = |p: &&Prototype| {
            p.activating_user.is_none() || p.activating_user.as_deref() == Some(creator)
        };
        let mut teams: Vec<(String, RepoRole)> = Vec::new();
        let mut users: Vec<(String, RepoRole)> = Vec::new();
        for proto in organization.prototypes.iter().filter(applies) {
            let (list, name) = match &proto.delegate {
                Delegate::Team(name) => (&mut teams, name),
                Delegate::User(name) => (&mut users, name),
            };
            match list.iter_mut().find(|(n, _)| n == name) {
                Some(_) if proto.activating_user.is_none() => {}
                Some(entry) => entry.1 = proto.role,
                None => list.push((name.clone(), proto.role)),
            }
        }
        let Some(repository) = organization.repositories.get_mut(repo) else {
            return;
        };
        for (team, role) in teams {
            repository.team_permissions.insert(team, role);
        }
        for (user, role) in users {
            if user != creator {
                repository.user_permissions.insert(user, role);
            }
        }
    }

    pub fn insert_team(&mut self, org: &str, name: &str, role: TeamRole, description: &str) {
        let seq = self.next_seq();
        if let Some(organization) = self.organizations.get_mut(org) {
            organization.teams.insert(
                name.to_string(),
                Team {
                    role,
                    description: description.to_string(),
                    members: BTreeSet::new(),
                    invites: Vec::new(),
                    sync: None,
                    seq,
                },
            );
        }
    }

    /// Creates a repository with the creator's `admin` permission, no checks.
    pub fn insert_repository(
        &mut self,
        org: &str,
        name: &str,
        public: bool,
        description: Option<String>,
        creator: Option<&str>,
    ) {
        let id = self.next_repository_id();
        if let Some(organization) = self.organizations.get_mut(org) {
            let mut user_permissions = BTreeMap::new();
            if let Some(creator) = creator {
                user_permissions.insert(creator.to_string(), RepoRole::Admin);
            }
            organization.repositories.insert(
                name.to_string(),
                Repository {
                    id,
                    description,
                    public,
                    state: RepoState::Normal,
                    tags: 0,
                    user_permissions,
                    team_permissions: BTreeMap::new(),
                    mirror: None,
                    notifications: Vec::new(),
                    authorized_emails: BTreeMap::new(),
                    confirmation_mails: 0,
                    mirror_rules: Vec::new(),
                },
            );
        }
    }

    pub fn repository(&self, org: &str, name: &str) -> Option<&Repository> {
        self.organizations.get(org)?.repositories.get(name)
    }

    pub fn repository_mut(&mut self, org: &str, name: &str) -> Option<&mut Repository> {
        self.organizations.get_mut(org)?.repositories.get_mut(name)
    }

    /// Finds a notification by uuid anywhere (Quay's GET by uuid ignores the path's repo).
    pub fn find_notification(&self, uuid: &str) -> Option<&Notification> {
        self.organizations
            .values()
            .flat_map(|o| o.repositories.values())
            .flat_map(|r| r.notifications.iter())
            .find(|n| n.uuid == uuid)
    }
}

/// Now as RFC 2822 with Quay's `-0000` zone, e.g. `Tue, 20 Aug 2019 17:51:00 -0000`.
pub fn rfc2822_now() -> String {
    let http = httpdate::fmt_http_date(std::time::SystemTime::now());
    match http.strip_suffix("GMT") {
        Some(prefix) => format!("{prefix}-0000"),
        None => http,
    }
}
