//! `QuaySim`: the in-process handle Rust tests use. It starts the server on its own thread and
//! runtime (so it works from plain `#[test]` functions and from async tests alike), reads state
//! and stats without HTTP, and changes state behind the API's back (seeding and drift).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::config::Config;
use crate::model::{Delegate, Prototype, RepoRole, State, TeamRole};
use crate::server::{Server, Shared};
use crate::snapshot;
use crate::stats::Stats;

/// Repository visibility for `QuaySim::create_repo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

/// A seeding/drift helper was asked to change something that does not exist (or already does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError(pub String);

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quay-sim: {}", self.0)
    }
}

impl std::error::Error for SimError {}

fn missing(what: String) -> SimError {
    SimError(format!("{what} does not exist"))
}

/// A running emulator. Dropping it stops the server.
pub struct QuaySim {
    server: Server,
    shared: Arc<Shared>,
    base_url: String,
}

impl QuaySim {
    /// Starts a server for `config` on a background thread.
    ///
    /// # Panics
    /// When the listen address cannot be bound or TLS cannot be set up: a test cannot go on
    /// without its server. Use [`QuaySim::try_start`] to handle that instead.
    pub fn start(config: Config) -> QuaySim {
        match QuaySim::try_start(config) {
            Ok(sim) => sim,
            Err(err) => panic!("quay-sim could not start: {err}"),
        }
    }

    pub fn try_start(config: Config) -> std::io::Result<QuaySim> {
        let server = Server::start(config)?;
        let shared = Arc::clone(&server.shared);
        let base_url = server.base_url();
        Ok(QuaySim {
            server,
            shared,
            base_url,
        })
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The CA certificate (PEM) that signed the server certificate, with TLS on.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        self.server.ca_path.clone()
    }

    /// The first configured token (with `Config::default()`: `admin-token`).
    pub fn token(&self) -> Option<String> {
        self.shared.config.tokens.first().map(|t| t.token.clone())
    }

    /// The same JSON as `GET /_sim/state`.
    pub fn state(&self) -> Value {
        snapshot::state_json(&self.shared.state())
    }

    /// The same numbers as `GET /_sim/stats`.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// State back to the start configuration, counters zeroed (`POST /_sim/reset`).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Answers every later `method` request to `path` (as written in the URL, percent-decoded:
    /// `/api/v1/repository/org/repo/permissions/user/dave`) with Quay's 500 page, before any
    /// processing, so the state is unchanged; counted in the stats like any request. For a
    /// write Quay itself fails (its database refusing it): unlike `fault_rate`, targeted and
    /// not retried by clients. `reset` clears it (`POST /_sim/fail` does the same).
    pub fn fail_requests(&self, method: &str, path: &str) {
        self.shared
            .failing()
            .insert((method.to_uppercase(), path.to_string()));
    }

    /// Holds back the first request with this method and (decoded) path for `delay` before
    /// processing it, and makes later ones wait for it: a create that a busy Quay finishes
    /// after the client gave up on it (see `POST /_sim/hold`).
    pub fn hold_requests(&self, method: &str, path: &str, delay: std::time::Duration) {
        self.shared
            .holds()
            .push(crate::server::Hold::new(method, path, delay));
    }

    /// Frees the names of deleted organizations (`--quay-version head` keeps them reserved
    /// until Quay's namespace GC worker runs; this is that worker).
    pub fn run_namespace_gc(&self) {
        self.shared.state().reserved_names.clear();
    }

    /// Any other change: runs `f` on the state under the lock.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.shared.state())
    }

    /// Adds `count` tags to a repository; returns the new total.
    pub fn add_tags(&self, namespace: &str, repo: &str, count: u64) -> Result<u64, SimError> {
        snapshot::add_tags(&mut self.shared.state(), namespace, repo, count)
            .ok_or_else(|| missing(format!("repository {namespace}/{repo}")))
    }

    /// Creates an organization owned by `owner` (in its `owners` team), without an email.
    pub fn create_org(&self, name: &str, owner: &str) -> Result<(), SimError> {
        self.with_state(|state| {
            if state.namespace_taken(name) {
                return Err(SimError(format!("namespace {name} already exists")));
            }
            if !state.users.contains_key(owner) {
                return Err(missing(format!("user {owner}")));
            }
            state.insert_organization(name, None, owner);
            Ok(())
        })
    }

    /// Creates a robot `org+short`; returns its token.
    pub fn create_robot(
        &self,
        org: &str,
        short: &str,
        description: &str,
    ) -> Result<String, SimError> {
        self.with_state(|state| {
            if state.robot_exists(&format!("{org}+{short}")) {
                return Err(SimError(format!("robot {org}+{short} already exists")));
            }
            state
                .insert_robot(org, short, description, None)
                .map(|robot| robot.token)
                .ok_or_else(|| missing(format!("organization {org}")))
        })
    }

    /// Creates a team, or sets the role of an existing one.
    pub fn create_team(&self, org: &str, name: &str, role: TeamRole) -> Result<(), SimError> {
        self.with_state(|state| {
            let organization = state
                .organizations
                .get_mut(org)
                .ok_or_else(|| missing(format!("organization {org}")))?;
            if let Some(team) = organization.teams.get_mut(name) {
                team.role = role;
                return Ok(());
            }
            state.insert_team(org, name, role, "");
            Ok(())
        })
    }

    pub fn set_team_description(
        &self,
        org: &str,
        team: &str,
        description: &str,
    ) -> Result<(), SimError> {
        self.with_team(org, team, |t| t.description = description.to_string())
    }

    /// Adds a user or a full robot name (`org+robot`) to a team directly (no invite).
    pub fn add_team_member(&self, org: &str, team: &str, member: &str) -> Result<(), SimError> {
        self.with_team(org, team, |t| {
            t.members.insert(member.to_string());
        })
    }

    pub fn remove_team_member(&self, org: &str, team: &str, member: &str) -> Result<(), SimError> {
        self.with_team(org, team, |t| {
            t.members.remove(member);
            t.invites.retain(|i| i != member);
        })
    }

    /// Sets or clears a team's LDAP group (as if synced), bypassing the `--ldap` switch.
    pub fn set_team_group_dn(
        &self,
        org: &str,
        team: &str,
        group_dn: Option<&str>,
    ) -> Result<(), SimError> {
        self.with_team(org, team, |t| {
            t.sync = group_dn.map(|g| serde_json::json!({ "group_dn": g }))
        })
    }

    /// Sets or clears a team's sync config as Quay stores it (the POST body, e.g.
    /// `{"group_name": "devs"}` for OIDC), bypassing the authentication switch and removing
    /// no member.
    pub fn set_team_sync(
        &self,
        org: &str,
        team: &str,
        config: Option<serde_json::Value>,
    ) -> Result<(), SimError> {
        self.with_team(org, team, |t| t.sync = config)
    }

    /// Replaces a robot's federation entries (`issuer`, `subject`), as a POST would, without
    /// the version gate or validation.
    pub fn set_robot_federation(
        &self,
        org: &str,
        robot: &str,
        entries: &[(&str, &str)],
    ) -> Result<(), SimError> {
        self.with_state(|state| {
            let r = state
                .organizations
                .get_mut(org)
                .and_then(|o| o.robots.get_mut(robot))
                .ok_or_else(|| missing(format!("robot {org}+{robot}")))?;
            r.federation = entries
                .iter()
                .map(|(i, s)| (i.to_string(), s.to_string()))
                .collect();
            Ok(())
        })
    }

    fn with_team(
        &self,
        org: &str,
        team: &str,
        f: impl FnOnce(&mut crate::model::Team),
    ) -> Result<(), SimError> {
        self.with_state(|state| {
            let t = state
                .organizations
                .get_mut(org)
                .and_then(|o| o.teams.get_mut(team))
                .ok_or_else(|| missing(format!("team {org}/{team}")))?;
            f(t);
            Ok(())
        })
    }

    /// Creates a repository with an empty description and *no* creator permission (seeding
    /// does not go through `POST /repository`).
    pub fn create_repo(
        &self,
        org: &str,
        name: &str,
        visibility: Visibility,
    ) -> Result<(), SimError> {
        self.with_state(|state| {
            if !state.organizations.contains_key(org) {
                return Err(missing(format!("organization {org}")));
            }
            if state.repository(org, name).is_some() {
                return Err(SimError(format!("repository {org}/{name} already exists")));
            }
            state.insert_repository(
                org,
                name,
                visibility == Visibility::Public,
                Some(String::new()),
                None,
            );
            Ok(())
        })
    }

    fn with_repo(
        &self,
        org: &str,
        repo: &str,
        f: impl FnOnce(&mut crate::model::Repository) -> Result<(), SimError>,
    ) -> Result<(), SimError> {
        self.with_state(|state| {
            let r = state
                .repository_mut(org, repo)
                .ok_or_else(|| missing(format!("repository {org}/{repo}")))?;
            f(r)
        })
    }

    pub fn set_repo_description(
        &self,
        org: &str,
        repo: &str,
        description: &str,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            r.description = Some(description.to_string());
            Ok(())
        })
    }

    pub fn set_repo_visibility(
        &self,
        org: &str,
        repo: &str,
        visibility: Visibility,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            r.public = visibility == Visibility::Public;
            Ok(())
        })
    }

    /// Sets (`Some`) or removes (`None`) a user's or robot's permission on a repository.
    pub fn set_user_permission(
        &self,
        org: &str,
        repo: &str,
        user: &str,
        role: Option<RepoRole>,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            match role {
                Some(role) => r.user_permissions.insert(user.to_string(), role),
                None => r.user_permissions.remove(user),
            };
            Ok(())
        })
    }

    pub fn set_team_permission(
        &self,
        org: &str,
        repo: &str,
        team: &str,
        role: Option<RepoRole>,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            match role {
                Some(role) => r.team_permissions.insert(team.to_string(), role),
                None => r.team_permissions.remove(team),
            };
            Ok(())
        })
    }

    /// Adds a default permission (prototype) as `POST …/prototypes` would, without its checks
    /// (the delegate need not exist); returns its id. `delegate` is a user or full robot name
    /// (`Delegate::User`) or a team of `org`; `activating_user` `None` means any creator.
    pub fn add_prototype(
        &self,
        org: &str,
        role: RepoRole,
        delegate: Delegate,
        activating_user: Option<&str>,
    ) -> Result<String, SimError> {
        self.with_state(|state| {
            let uuid = state.rng.uuid4();
            let organization = state
                .organizations
                .get_mut(org)
                .ok_or_else(|| missing(format!("organization {org}")))?;
            organization.prototypes.push(Prototype {
                uuid: uuid.clone(),
                role,
                activating_user: activating_user.map(str::to_string),
                delegate,
            });
            Ok(uuid)
        })
    }

    /// Replaces the tag patterns (`root_rule.rule_value`) of a repository's mirror.
    pub fn set_mirror_tags(
        &self,
        org: &str,
        repo: &str,
        tags: Vec<String>,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            let index = r
                .mirror
                .as_ref()
                .map(|m| m.rule_index)
                .ok_or_else(|| missing(format!("mirror of {org}/{repo}")))?;
            match r.mirror_rules.get_mut(index) {
                Some(rule) => *rule = tags,
                None => return Err(missing(format!("mirror rule of {org}/{repo}"))),
            }
            Ok(())
        })
    }

    /// Changes a repository's mirror configuration in place.
    pub fn with_mirror(
        &self,
        org: &str,
        repo: &str,
        f: impl FnOnce(&mut crate::model::Mirror),
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            let mirror = r
                .mirror
                .as_mut()
                .ok_or_else(|| missing(format!("mirror of {org}/{repo}")))?;
            f(mirror);
            Ok(())
        })
    }

    /// Deletes a notification by uuid, or by its position in the repository's list.
    pub fn delete_notification(
        &self,
        org: &str,
        repo: &str,
        index_or_uuid: &str,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            let position = r
                .notifications
                .iter()
                .position(|n| n.uuid == index_or_uuid)
                .or_else(|| {
                    index_or_uuid
                        .parse::<usize>()
                        .ok()
                        .filter(|i| *i < r.notifications.len())
                })
                .ok_or_else(|| missing(format!("notification {index_or_uuid} of {org}/{repo}")))?;
            r.notifications.remove(position);
            Ok(())
        })
    }

    /// Sets the failure count of the notifications of `org/repo` whose `config` has `key`
    /// = `value` (failed deliveries; from 3 on Quay no longer delivers them). Returns how
    /// many it set.
    pub fn set_notification_failures(
        &self,
        org: &str,
        repo: &str,
        key: &str,
        value: &str,
        failures: i64,
    ) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            let mut count = 0;
            for n in r
                .notifications
                .iter_mut()
                .filter(|n| n.config.get(key).and_then(serde_json::Value::as_str) == Some(value))
            {
                n.number_of_failures = failures;
                count += 1;
            }
            if count == 0 {
                return Err(missing(format!(
                    "notification with {key} {value} of {org}/{repo}"
                )));
            }
            Ok(())
        })
    }

    /// The recipient opened the confirmation link: `email` may receive the e-mail
    /// notifications of `org/repo` (the address must have been requested first).
    pub fn confirm_email(&self, org: &str, repo: &str, email: &str) -> Result<(), SimError> {
        self.with_repo(org, repo, |r| {
            let record = r
                .authorized_emails
                .get_mut(email)
                .ok_or_else(|| missing(format!("authorization of {email} for {org}/{repo}")))?;
            *record = true;
            Ok(())
        })
    }

    /// Closes the listener and every open connection at once (a Quay that went away).
    /// Later requests fail to connect.
    pub fn kill(&mut self) {
        self.server.stop();
    }

    /// Stops the server (the same as dropping the handle).
    pub fn stop(mut self) {
        self.server.stop();
    }
}

impl Drop for QuaySim {
    fn drop(&mut self) {
        self.server.stop();
    }
}
