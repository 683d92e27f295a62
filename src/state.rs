//! Reads one organization from one Quay endpoint into the model, with as few GETs as Quay
//! allows and never the same GET twice (quay-api.md §13.1):
//!
//! 1. `GET /organization/{org}`: existence, email, teams (role, description, synced).
//! 2. `GET /organization/{org}/robots?token=false` and `GET /repository?namespace={org}` (paged).
//! 3. Only what the [`ReadScope`] asks for, concurrently: team members (with pending invites)
//!    and, per repository, user/robot permissions, team permissions, mirror, notifications.
//!    Team permissions come from one `GET …/team/{t}/permissions` per team holding any when
//!    that is fewer GETs than one per repository ([`team_permission_source`]); no mirror is
//!    read in an organization without robots (docs/performance.md, "Reads per kind").
//!
//! **Reads not made leave the actual side empty**: a team whose members were not read has
//! `members: None` and `sync: None`; a repository whose permissions were not read has
//! `None` permission lists; an unread mirror is `None` and unread notifications are `None`. The
//! planner only looks at those where the desired side declares something, and the
//! scope reads exactly those.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::OptionFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use futures::FutureExt;

use crate::model::{Mirror, Notification, Organization, RepoState, Repository, Role};
use crate::quay::{OrgSummary, OrgTeam, QuayClient, QuayError, UserGrants};

/// How many team or repository reads of one organization run at once. The per-endpoint
/// connection bound and the global limiter bound the real load.
const CONCURRENT_READS: usize = 32;

/// Which of the per-repository reads to make.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepoReads {
    /// `GET …/permissions/user/` (users and robots).
    pub user_permissions: bool,
    /// `GET …/permissions/team/`.
    pub team_permissions: bool,
    /// `GET …/mirror` (also made when the repository is in state MIRROR).
    pub mirror: bool,
    /// `GET …/notification/`: only where the file declares `notification`.
    pub notifications: bool,
}

impl RepoReads {
    const ALL: RepoReads = RepoReads {
        user_permissions: true,
        team_permissions: true,
        mirror: true,
        notifications: true,
    };

    /// How many GETs these reads are.
    fn count(self) -> usize {
        [
            self.user_permissions,
            self.team_permissions,
            self.mirror,
            self.notifications,
        ]
        .into_iter()
        .filter(|read| *read)
        .count()
    }

    fn for_desired(repo: &Repository) -> RepoReads {
        RepoReads {
            user_permissions: repo.permissions.users.is_some() || repo.permissions.robots.is_some(),
            team_permissions: repo.permissions.teams.is_some(),
            mirror: repo.mirror.is_some(),
            notifications: repo.notifications.is_some(),
        }
    }
}

/// What to read beyond the organization, its robots and its repository list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadScope {
    /// Read the members of every team.
    all_teams: bool,
    /// Teams whose members are read (synced teams are always read, for their group).
    member_teams: BTreeSet<String>,
    /// `Some(reads)` for every repository.
    all_repositories: Option<RepoReads>,
    /// Per declared repository.
    repositories: BTreeMap<String, RepoReads>,
    /// `--prune robots`: the robots the files keep anyway. When the organization has any other
    /// robot, the mirror configuration of every repository is read as well: a robot that any
    /// mirror names, enabled or not, cannot be deleted, and a mirror may exist on a repository
    /// in state NORMAL.
    robots_kept: Option<BTreeSet<String>>,
    /// Read the organization's default permissions (one `GET …/prototypes`).
    default_permissions: DefaultPermissionsRead,
    /// Read the quota (one `GET …/quota`).
    quota: DefaultPermissionsRead,
    /// The auto-prune lists read.
    auto_prune: PolicyReads,
    /// The immutability lists read.
    immutability: PolicyReads,
    /// The robots whose federation is read (one `GET …/robots/{r}/federation` each, only on
    /// a Quay that has the route).
    federation: FederationReads,
}

/// Which robots' federation is read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct FederationReads {
    robots: BTreeSet<String>,
    /// `export`: every robot's.
    all: bool,
}

/// Which lists of a per-scope policy kind (auto-prune, immutability) are read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct PolicyReads {
    organization: bool,
    repositories: BTreeSet<String>,
    /// `export`: every list, where the server has the feature.
    all: bool,
}

impl PolicyReads {
    fn for_desired<T>(declared: &crate::model::ScopedPolicies<T>) -> PolicyReads {
        PolicyReads {
            organization: declared.organization.is_some(),
            repositories: declared.repositories.keys().cloned().collect(),
            all: false,
        }
    }

    fn everything() -> PolicyReads {
        PolicyReads {
            all: true,
            ..PolicyReads::default()
        }
    }

    fn is_empty(&self) -> bool {
        !self.all && !self.organization && self.repositories.is_empty()
    }
}

/// Whether the default permissions are read, and what a refusal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultPermissionsRead {
    No,
    /// The file manages them: a refusal is an error.
    Needed,
    /// `export`: a token that may not read them leaves them out of the file.
    IfAllowed,
}

impl ReadScope {
    /// What `create` needs to plan `desired`: members of teams that declare `members` or a
    /// sync, for each declared repository only the reads its declaration needs, and the
    /// federation of robots that declare one.
    pub fn for_desired(desired: &Organization) -> ReadScope {
        ReadScope {
            all_teams: false,
            member_teams: desired
                .teams
                .iter()
                .filter(|(_, team)| team.members.is_some() || team.sync.is_some())
                .map(|(name, _)| name.clone())
                .collect(),
            all_repositories: None,
            repositories: desired
                .repositories
                .iter()
                .map(|(name, repo)| (name.clone(), RepoReads::for_desired(repo)))
                .collect(),
            robots_kept: None,
            default_permissions: if desired.default_permissions.is_some() {
                DefaultPermissionsRead::Needed
            } else {
                DefaultPermissionsRead::No
            },
            quota: needed(desired.quota.is_some()),
            auto_prune: PolicyReads::for_desired(&desired.auto_prune),
            immutability: PolicyReads::for_desired(&desired.immutability),
            federation: FederationReads {
                robots: desired.robot_federation.keys().cloned().collect(),
                all: false,
            },
        }
    }

    /// For `--prune robots`: `kept` are the robots the files keep whatever Quay holds
    /// (`plan::robots_the_file_keeps`). Adds one `GET …/mirror` per repository whose mirror
    /// is not read anyway, only when the organization has a robot outside `kept`.
    pub fn pruning_robots(mut self, kept: BTreeSet<String>) -> ReadScope {
        self.robots_kept = Some(kept);
        self
    }

    /// What `export` needs: every team's members, all four reads of every repository.
    pub fn everything() -> ReadScope {
        ReadScope {
            all_teams: true,
            member_teams: BTreeSet::new(),
            all_repositories: Some(RepoReads::ALL),
            repositories: BTreeMap::new(),
            robots_kept: None,
            default_permissions: DefaultPermissionsRead::IfAllowed,
            quota: DefaultPermissionsRead::IfAllowed,
            auto_prune: PolicyReads::everything(),
            immutability: PolicyReads::everything(),
            federation: FederationReads {
                robots: BTreeSet::new(),
                all: true,
            },
        }
    }

    fn reads_members(&self, team: &str, synced: bool) -> bool {
        self.all_teams || synced || self.member_teams.contains(team)
    }

    /// The reads for an existing repository, given its state.
    fn repo_reads(&self, repo: &str, state: &RepoState) -> RepoReads {
        let mut reads = self
            .all_repositories
            .or_else(|| self.repositories.get(repo).copied())
            .unwrap_or_default();
        if *state == RepoState::Mirror {
            reads.mirror = true;
        }
        reads
    }
}

/// Told how a read advances, for a progress display (`export`). Counts are GETs.
pub trait ReadProgress: Sync {
    /// `requests` more GETs of `org` follow (called again when more turn out to be needed).
    fn more(&self, org: &str, requests: usize);
    /// `requests` of them were answered.
    fn done(&self, org: &str, requests: usize);
}

/// No progress display.
pub struct NoReadProgress;

impl ReadProgress for NoReadProgress {
    fn more(&self, _org: &str, _requests: usize) {}
    fn done(&self, _org: &str, _requests: usize) {}
}

/// Reads `org` on the client's endpoint; `Ok(None)` when the organization does not exist.
pub async fn read_organization(
    client: &QuayClient,
    org: &str,
    scope: &ReadScope,
) -> Result<Option<Organization>, QuayError> {
    read_organization_with_progress(client, org, scope, &NoReadProgress).await
}

/// [`read_organization`], telling `progress` how many GETs follow the first three and when
/// each is answered.
pub async fn read_organization_with_progress(
    client: &QuayClient,
    org: &str,
    scope: &ReadScope,
    progress: &dyn ReadProgress,
) -> Result<Option<Organization>, QuayError> {
    let Some(view) = client.orgs(org).get().await? else {
        return Ok(None);
    };
    let mut organization = organization_from_summary(client, org, &view)?;
    let synced: BTreeSet<String> = view
        .teams
        .iter()
        .flatten()
        .filter(|(_, team)| team.synced)
        .map(|(name, _)| name.clone())
        .collect();

    let (robot_api, repo_api) = (client.robots(org), client.repos(org));
    let (robots, repositories, default_permissions, quota) = futures::try_join!(
        robot_api.list(),
        repo_api.list(),
        read_default_permissions(client, org, scope.default_permissions),
        read_quota(client, org, scope.quota),
    )?;
    organization.quota = quota;
    // Shown to org admins in the organization's own view: no request of its own.
    organization.tag_expiration_s = view.tag_expiration_s;
    organization.robots = robots;
    organization.repositories = repositories;
    organization.default_permissions = default_permissions;
    organization.auto_prune =
        read_auto_prune(client, org, &scope.auto_prune, &organization).await?;
    organization.immutability =
        read_immutability(client, org, &scope.immutability, &organization).await?;
    let federation_robots = federation_to_read(client, &scope.federation, &organization).await?;

    let teams_to_read: Vec<String> = organization
        .teams
        .keys()
        .filter(|name| scope.reads_members(name, synced.contains(*name)))
        .cloned()
        .collect();
    let every_mirror = scope.robots_kept.as_ref().is_some_and(|kept| {
        organization
            .robots
            .keys()
            .any(|robot| !kept.contains(robot))
    });
    // A mirror names a robot of the organization (Quay refuses another: "Invalid robot") and
    // that robot cannot be deleted while the mirror exists ("Robot is being used by a
    // mirror"): without a robot, no repository can have a mirror configuration.
    let mirrors_possible = !organization.robots.is_empty();
    let mut repos_to_read: Vec<(String, RepoReads)> = organization
        .repositories
        .iter()
        .map(|(name, repo)| {
            let mut reads = scope.repo_reads(name, &repo.state);
            reads.mirror |= every_mirror;
            reads.mirror &= mirrors_possible;
            (name.clone(), reads)
        })
        .collect();
    let team_permission_repos: Vec<String> = repos_to_read
        .iter()
        .filter(|(_, reads)| reads.team_permissions)
        .map(|(name, _)| name.clone())
        .collect();
    let source = team_permission_source(view.teams.as_ref(), team_permission_repos.len());
    let by_team = matches!(source, TeamPermissionSource::PerTeam(_));
    let bulk_teams = match source {
        TeamPermissionSource::PerRepository => Vec::new(),
        TeamPermissionSource::PerTeam(teams) => {
            for (_, reads) in &mut repos_to_read {
                reads.team_permissions = false;
            }
            teams
        }
    };
    repos_to_read.retain(|(_, reads)| *reads != RepoReads::default());
    progress.more(
        org,
        teams_to_read.len()
            + federation_robots.len()
            + bulk_teams.len()
            + repos_to_read
                .iter()
                .map(|(_, reads)| reads.count())
                .sum::<usize>(),
    );

    let team_reads = stream::iter(teams_to_read)
        .map(|team| async move {
            let members = client.teams(org).members(&team).await?;
            progress.done(org, 1);
            Ok::<_, QuayError>((team, members))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect::<Vec<_>>();
    let repo_reads = stream::iter(repos_to_read)
        .map(|(repo, reads)| async move {
            let details = read_repository(client, org, &repo, reads).await?;
            progress.done(org, reads.count());
            Ok::<_, QuayError>((repo, details))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect::<Vec<_>>();
    let team_grants = read_team_grants(client, org, bulk_teams, progress);
    let federation_reads = stream::iter(federation_robots)
        .map(|robot| async move {
            let list = client.robot_federation(org).get(&robot).await?;
            progress.done(org, 1);
            Ok::<_, QuayError>((robot, list))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect::<BTreeMap<_, _>>();
    let (team_members, repo_details, team_grants, federation) =
        futures::try_join!(team_reads, repo_reads, team_grants, federation_reads)?;
    organization.robot_federation = federation;
    let team_grants = match team_grants {
        Some(grants) => Some(grants),
        None if by_team => {
            // The token may not read a team's permissions: per repository, as before.
            progress.more(org, team_permission_repos.len());
            let reads = stream::iter(team_permission_repos.iter().cloned())
                .map(|repo| async move {
                    let teams = client.permissions(org, &repo).teams().await?;
                    progress.done(org, 1);
                    Ok::<_, QuayError>((repo, teams))
                })
                .buffer_unordered(CONCURRENT_READS)
                .try_collect::<BTreeMap<_, _>>()
                .await?;
            Some(reads)
        }
        None => None,
    };

    for (name, members) in team_members {
        if let (Some(team), Some(membership)) = (organization.teams.get_mut(&name), members) {
            team.members = Some(membership.members);
            team.sync = membership.sync;
        }
    }
    for (name, details) in repo_details {
        if let Some(repo) = organization.repositories.get_mut(&name) {
            details.apply(repo);
        }
    }
    if let Some(mut grants) = team_grants.filter(|_| by_team) {
        // Exactly the repositories a per-repository read would have filled; stale names of
        // deleted repositories never match one of the repository list.
        for name in &team_permission_repos {
            if let Some(repo) = organization.repositories.get_mut(name) {
                repo.permissions.teams = Some(grants.remove(name).unwrap_or_default());
            }
        }
    }
    Ok(Some(organization))
}

/// Where the team permissions of the repositories that need them come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TeamPermissionSource {
    /// One `GET …/permissions/team/` per repository.
    PerRepository,
    /// One `GET /organization/{org}/team/{team}/permissions` per team named (possibly none):
    /// each answer holds every repository role of that team.
    PerTeam(Vec<String>),
}

/// The fewer reads: the teams that hold a repository permission (Quay's `repo_count` > 0; a
/// team whose count Quay does not show is read) against the `repositories` that need their
/// team map. A tie keeps the per-repository reads (the answers are smaller).
fn team_permission_source(
    teams: Option<&BTreeMap<String, OrgTeam>>,
    repositories: usize,
) -> TeamPermissionSource {
    let Some(teams) = teams.filter(|_| repositories > 0) else {
        return TeamPermissionSource::PerRepository;
    };
    let holding: Vec<String> = teams
        .iter()
        .filter(|(_, team)| team.repo_count != Some(0))
        .map(|(name, _)| name.clone())
        .collect();
    if holding.len() < repositories {
        TeamPermissionSource::PerTeam(holding)
    } else {
        TeamPermissionSource::PerRepository
    }
}

/// Repository → team → role, from one read per team; `None` when Quay refuses the token a
/// team's permissions (403), so that the caller reads per repository instead.
async fn read_team_grants(
    client: &QuayClient,
    org: &str,
    teams: Vec<String>,
    progress: &dyn ReadProgress,
) -> Result<Option<BTreeMap<String, BTreeMap<String, Role>>>, QuayError> {
    let answers = stream::iter(teams)
        .map(|team| async move {
            let list = client.teams(org).permissions(&team).await?;
            progress.done(org, 1);
            Ok::<_, QuayError>((team, list.unwrap_or_default()))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect::<Vec<_>>()
        .await;
    let answers = match answers {
        Ok(answers) => answers,
        Err(err) if err.status() == Some(403) => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut grants: BTreeMap<String, BTreeMap<String, Role>> = BTreeMap::new();
    for (team, list) in answers {
        for (repository, role) in list {
            grants
                .entry(repository)
                .or_default()
                .insert(team.clone(), role);
        }
    }
    Ok(Some(grants))
}

/// Every organization of the endpoint (superuser listing), for `export --all`.
pub async fn list_organizations(client: &QuayClient) -> Result<Vec<String>, QuayError> {
    client.superuser().list_organizations().await
}

/// The per-repository answers; `None` where the read was not made.
#[derive(Debug, Default)]
struct RepoDetails {
    users: Option<UserGrants>,
    teams: Option<BTreeMap<String, Role>>,
    mirror: Option<Option<Mirror>>,
    notifications: Option<Vec<Notification>>,
}

impl RepoDetails {
    fn apply(self, repo: &mut Repository) {
        if let Some((users, robots)) = self.users {
            repo.permissions.users = Some(users);
            repo.permissions.robots = Some(robots);
        }
        if let Some(teams) = self.teams {
            repo.permissions.teams = Some(teams);
        }
        if let Some(mirror) = self.mirror {
            repo.mirror = mirror;
        }
        if let Some(notifications) = self.notifications {
            repo.notifications = Some(notifications);
        }
    }
}

/// `read()`'s answer when `wanted`, else `None` without building or sending anything.
/// `OptionFuture` polls the read where it lies; an `async fn` taking the read future as an
/// argument held it twice (argument and awaitee): +3 MiB peak RSS in the N = 1000 warm run.
fn read_if<T, F>(
    wanted: bool,
    read: impl FnOnce() -> F,
) -> impl std::future::Future<Output = Result<Option<T>, QuayError>>
where
    F: std::future::Future<Output = Result<T, QuayError>>,
{
    OptionFuture::from(wanted.then(read)).map(Option::transpose)
}

async fn read_repository(
    client: &QuayClient,
    org: &str,
    repo: &str,
    reads: RepoReads,
) -> Result<RepoDetails, QuayError> {
    let (permissions, mirror, notifications) = (
        client.permissions(org, repo),
        client.mirror(org, repo),
        client.notifications(org, repo),
    );
    let users = read_if(reads.user_permissions, || permissions.users());
    let teams = read_if(reads.team_permissions, || permissions.teams());
    let mirror = read_if(reads.mirror, || mirror.get());
    let notifications = read_if(reads.notifications, || notifications.list());
    let (users, teams, mirror, notifications) =
        futures::try_join!(users, teams, mirror, notifications)?;
    Ok(RepoDetails {
        users,
        teams,
        mirror,
        notifications,
    })
}

fn organization_from_summary(
    client: &QuayClient,
    org: &str,
    view: &OrgSummary,
) -> Result<Organization, QuayError> {
    let Some(teams) = &view.teams else {
        return Err(client.error(format!(
            "organization {org}: Quay does not show its teams to this token: the token's user \
                 must be an owner of the organization and the token needs the `org:admin` scope \
                 (run `mqc login` with such a token)"
        )));
    };
    Ok(Organization {
        name: org.to_string(),
        email: view.email.clone(),
        robots: BTreeMap::new(),
        teams: teams
            .iter()
            .map(|(name, team)| (name.clone(), team.team.clone()))
            .collect(),
        repositories: BTreeMap::new(),
        default_permissions: None,
        quota: None,
        tag_expiration_s: None,
        auto_prune: Default::default(),
        immutability: Default::default(),
        robot_federation: BTreeMap::new(),
    })
}

/// The organization's default permissions, when the scope reads them.
async fn read_default_permissions(
    client: &QuayClient,
    org: &str,
    read: DefaultPermissionsRead,
) -> Result<Option<Vec<crate::model::DefaultPermission>>, QuayError> {
    match read {
        DefaultPermissionsRead::No => Ok(None),
        DefaultPermissionsRead::Needed => Ok(Some(
            client.prototypes(org).list().await?.unwrap_or_default(),
        )),
        DefaultPermissionsRead::IfAllowed => match client.prototypes(org).list().await {
            Ok(list) => Ok(Some(list.unwrap_or_default())),
            Err(err @ QuayError::Forbidden { .. }) => {
                tracing::warn!(target: "mqc::state", "{err}: the default permissions are left out");
                Ok(None)
            }
            Err(err) => Err(err),
        },
    }
}

/// The auto-prune lists the scope reads, of existing repositories only, and only where the
/// server has `FEATURE_AUTO_PRUNE` (`GET /config`, once per run).
async fn read_auto_prune(
    client: &QuayClient,
    org: &str,
    reads: &PolicyReads,
    organization: &Organization,
) -> Result<crate::model::ScopedPolicies<crate::model::AutoPrunePolicy>, QuayError> {
    let enabled = !reads.is_empty() && client.features().await?.auto_prune;
    read_scoped(organization, reads, enabled, |repository| async move {
        client.auto_prune(org, repository.as_deref()).list().await
    })
    .await
}

/// The immutability lists the scope reads, of existing repositories only, and only where the
/// server has `FEATURE_IMMUTABLE_TAGS` (Quay 3.17+; `GET /config`, once per run).
async fn read_immutability(
    client: &QuayClient,
    org: &str,
    reads: &PolicyReads,
    organization: &Organization,
) -> Result<crate::model::ScopedPolicies<crate::model::ImmutabilityPolicy>, QuayError> {
    let enabled = !reads.is_empty() && client.features().await?.immutable_tags == Some(true);
    read_scoped(organization, reads, enabled, |repository| async move {
        client.immutability(org, repository.as_deref()).list().await
    })
    .await
}

/// The lists of a per-scope policy kind that `reads` asks for: the organization's
/// (`list(None)`) and each existing repository's (`list(Some(name))`), concurrently.
async fn read_scoped<T, F, Fut>(
    organization: &Organization,
    reads: &PolicyReads,
    enabled: bool,
    list: F,
) -> Result<crate::model::ScopedPolicies<T>, QuayError>
where
    F: Fn(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Vec<T>>, QuayError>>,
{
    let mut read = crate::model::ScopedPolicies::default();
    if !enabled {
        return Ok(read);
    }
    if reads.all || reads.organization {
        read.organization = Some(list(None).await?.unwrap_or_default());
    }
    let repositories = organization
        .repositories
        .keys()
        .filter(|name| reads.all || reads.repositories.contains(*name));
    let list = &list;
    read.repositories = stream::iter(repositories)
        .map(|name| async move {
            let policies = list(Some(name.clone())).await?;
            Ok::<_, QuayError>((name.clone(), policies.unwrap_or_default()))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    Ok(read)
}

/// The existing robots whose federation `reads` asks for; none on a Quay without the route
/// (before 3.13: the discovery document, once per run, tells).
async fn federation_to_read(
    client: &QuayClient,
    reads: &FederationReads,
    organization: &Organization,
) -> Result<Vec<String>, QuayError> {
    let robots: Vec<String> = organization
        .robots
        .keys()
        .filter(|name| reads.all || reads.robots.contains(*name))
        .cloned()
        .collect();
    if robots.is_empty() || !client.capabilities().await?.robot_federation {
        return Ok(Vec::new());
    }
    Ok(robots)
}

fn needed(managed: bool) -> DefaultPermissionsRead {
    if managed {
        DefaultPermissionsRead::Needed
    } else {
        DefaultPermissionsRead::No
    }
}

/// The organization's quota, when the scope reads it (`None`: none, or quota management off).
async fn read_quota(
    client: &QuayClient,
    org: &str,
    read: DefaultPermissionsRead,
) -> Result<Option<crate::model::Quota>, QuayError> {
    match read {
        DefaultPermissionsRead::No => Ok(None),
        DefaultPermissionsRead::Needed => client.quota(org).get().await,
        DefaultPermissionsRead::IfAllowed => match client.quota(org).get().await {
            Err(err @ QuayError::Forbidden { .. }) => {
                tracing::warn!(target: "mqc::state", "{err}: the quota is left out");
                Ok(None)
            }
            other => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Permissions, Proxy, Team, TeamMembers, TeamRole, Visibility};

    fn desired() -> Organization {
        let mut org = Organization {
            name: "o".into(),
            ..Organization::default()
        };
        let team = |members: Option<TeamMembers>, group_dn: Option<&str>| Team {
            role: TeamRole::Member,
            description: String::new(),
            members,
            sync: group_dn.map(|g| crate::model::TeamSync::Ldap {
                group_dn: g.to_string(),
            }),
        };
        org.teams.insert("plain".into(), team(None, None));
        org.teams
            .insert("listed".into(), team(Some(TeamMembers::default()), None));
        org.teams.insert("ldap".into(), team(None, Some("cn=x")));
        org.robot_federation.insert("keyless".into(), Vec::new());
        let repo = |permissions: Permissions, mirror: bool| Repository {
            description: String::new(),
            visibility: Visibility::Public,
            permissions,
            mirror: mirror.then(|| Mirror {
                external_reference: "r/x".into(),
                tags: vec!["latest".into()],
                username: None,
                verify_tls: true,
                unsigned_images: false,
                robot: "m".into(),
                sync_interval: 60,
                is_enabled: true,
                proxy: Proxy::default(),
                options: crate::model::MirrorOptions::default(),
            }),
            notifications: None,
            state: RepoState::Normal,
            declared_state: None,
        };
        org.repositories
            .insert("bare".into(), repo(Permissions::default(), false));
        org.repositories.insert(
            "teams".into(),
            repo(
                Permissions {
                    teams: Some(BTreeMap::new()),
                    ..Permissions::default()
                },
                false,
            ),
        );
        org.repositories.insert(
            "mirrored".into(),
            repo(
                Permissions {
                    robots: Some(BTreeMap::new()),
                    ..Permissions::default()
                },
                true,
            ),
        );
        org
    }

    #[test]
    fn scope_for_desired_reads_only_what_the_file_declares() {
        let scope = ReadScope::for_desired(&desired());
        assert!(!scope.reads_members("plain", false));
        assert!(scope.reads_members("plain", true), "synced teams are read");
        assert!(scope.reads_members("listed", false));
        assert!(scope.reads_members("ldap", false));
        assert!(!scope.reads_members("undeclared", false));
        assert_eq!(
            scope.federation.robots,
            BTreeSet::from(["keyless".to_string()]),
            "only robots that declare a federation"
        );
        assert!(!scope.federation.all);
        assert!(ReadScope::everything().federation.all);

        assert_eq!(
            scope.repo_reads("bare", &RepoState::Normal),
            RepoReads::default()
        );
        assert_eq!(
            scope.repo_reads("teams", &RepoState::Normal),
            RepoReads {
                team_permissions: true,
                ..RepoReads::default()
            }
        );
        assert_eq!(
            scope.repo_reads("mirrored", &RepoState::Normal),
            RepoReads {
                user_permissions: true,
                team_permissions: false,
                mirror: true,
                notifications: false,
            }
        );
        assert_eq!(
            scope.repo_reads("undeclared", &RepoState::Mirror),
            RepoReads {
                mirror: true,
                ..RepoReads::default()
            }
        );
    }

    fn org_teams(counts: &[(&str, Option<u64>)]) -> BTreeMap<String, OrgTeam> {
        counts
            .iter()
            .map(|(name, repo_count)| {
                let view = OrgTeam {
                    team: Team {
                        role: crate::model::TeamRole::Member,
                        description: String::new(),
                        members: None,
                        sync: None,
                    },
                    synced: false,
                    repo_count: *repo_count,
                };
                (name.to_string(), view)
            })
            .collect()
    }

    #[test]
    fn team_permissions_are_read_per_team_only_when_that_is_fewer_reads() {
        use TeamPermissionSource::{PerRepository, PerTeam};
        let teams = org_teams(&[
            ("owners", Some(0)),
            ("devs", Some(5)),
            ("ops", Some(5)),
            ("old", None), // count not shown: read it
        ]);
        let holding = PerTeam(vec!["devs".into(), "old".into(), "ops".into()]);
        // 3 teams hold grants: 10 repositories → 3 team reads, not 10.
        assert_eq!(team_permission_source(Some(&teams), 10), holding);
        assert_eq!(team_permission_source(Some(&teams), 4), holding);
        // A tie or fewer repositories: per repository, as before.
        assert_eq!(team_permission_source(Some(&teams), 3), PerRepository);
        assert_eq!(team_permission_source(Some(&teams), 1), PerRepository);
        // Nothing to read at all.
        assert_eq!(team_permission_source(Some(&teams), 0), PerRepository);
        // No team holds a grant: no read, every team map is empty.
        let idle = org_teams(&[("owners", Some(0)), ("devs", Some(0))]);
        assert_eq!(team_permission_source(Some(&idle), 1), PerTeam(Vec::new()));
        // Teams not shown: per repository.
        assert_eq!(team_permission_source(None, 10), PerRepository);
    }

    #[test]
    fn scope_everything_reads_everything() {
        let scope = ReadScope::everything();
        assert!(scope.reads_members("any", false));
        assert_eq!(scope.repo_reads("any", &RepoState::Normal), RepoReads::ALL);
    }
}
