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
//! `members: None` and `group_dn: None`; a repository whose permissions were not read has
//! `None` permission lists; an unread mirror is `None` and unread notifications are an empty
//! list. The planner only looks at those where the desired side declares something, and the
//! scope reads exactly those.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::OptionFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use futures::FutureExt;

use crate::model::{
    Mirror, Notification, NotificationEvent, NotificationMethod, Organization, Permissions, Proxy,
    RepoState, Repository, Robot, Role, Team, TeamMembers, Visibility,
};
use crate::quay::{
    robot_short_name, MirrorView, NotificationView, OrgTeamView, OrgView, QuayClient, QuayError,
    RepoView, RobotView, TeamMembersView, TeamPermissionView, UserPermissionView,
};

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
    /// `GET …/notification/` (also made when the repository is in state MIRROR).
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
            notifications: repo.mirror.is_some() || !repo.notifications.is_empty(),
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
    /// The auto-prune lists read.
    auto_prune: PolicyReads,
    /// The immutability lists read.
    immutability: PolicyReads,
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
    /// What `create` needs to plan `desired`: members of teams that declare `members` or
    /// `group_dn`, and for each declared repository only the reads its declaration needs.
    pub fn for_desired(desired: &Organization) -> ReadScope {
        ReadScope {
            all_teams: false,
            member_teams: desired
                .teams
                .iter()
                .filter(|(_, team)| team.members.is_some() || team.group_dn.is_some())
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
            auto_prune: PolicyReads::for_desired(&desired.auto_prune),
            immutability: PolicyReads::for_desired(&desired.immutability),
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
            auto_prune: PolicyReads::everything(),
            immutability: PolicyReads::everything(),
        }
    }

    fn reads_members(&self, team: &str, synced: bool) -> bool {
        self.all_teams || synced || self.member_teams.contains(team)
    }

    /// The reads for an existing repository, given its state.
    fn repo_reads(&self, repo: &str, state: RepoState) -> RepoReads {
        let mut reads = self
            .all_repositories
            .or_else(|| self.repositories.get(repo).copied())
            .unwrap_or_default();
        if state == RepoState::Mirror {
            reads.mirror = true;
            reads.notifications = true;
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
    let mut organization = organization_from_view(client, org, &view)?;
    let synced: BTreeSet<String> = view
        .teams
        .iter()
        .flatten()
        .filter(|(_, team)| team.is_synced)
        .map(|(name, _)| name.clone())
        .collect();

    let (robot_api, repo_api) = (client.robots(org), client.repos(org));
    let (robots, repositories, default_permissions) = futures::try_join!(
        robot_api.list(),
        repo_api.list(),
        read_default_permissions(client, org, scope.default_permissions)
    )?;
    organization.robots = robots_from_list(org, &robots);
    organization.repositories = repositories_from_list(org, &repositories);
    organization.default_permissions = default_permissions;
    organization.auto_prune =
        read_auto_prune(client, org, &scope.auto_prune, &organization).await?;
    organization.immutability =
        read_immutability(client, org, &scope.immutability, &organization).await?;

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
            let mut reads = scope.repo_reads(name, repo.state);
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
    let (team_members, repo_details, team_grants) =
        futures::try_join!(team_reads, repo_reads, team_grants)?;
    let team_grants = match team_grants {
        Some(grants) => Some(grants),
        None if by_team => {
            // The token may not read a team's permissions: per repository, as before.
            progress.more(org, team_permission_repos.len());
            let reads = stream::iter(team_permission_repos.iter().cloned())
                .map(|repo| async move {
                    let teams = client.permissions(org, &repo).teams().await?;
                    progress.done(org, 1);
                    let teams: BTreeMap<String, Role> = teams
                        .into_iter()
                        .map(|(name, view)| (name, view.role))
                        .collect();
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
        if let (Some(team), Some(members)) = (organization.teams.get_mut(&name), members) {
            let (read, group_dn) = team_members_from_view(org, &members);
            team.members = Some(read);
            team.group_dn = group_dn;
        }
    }
    for (name, details) in repo_details {
        if let Some(repo) = organization.repositories.get_mut(&name) {
            details.apply(org, repo);
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
    teams: Option<&BTreeMap<String, OrgTeamView>>,
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
        for entry in list {
            grants
                .entry(entry.repository.name)
                .or_default()
                .insert(team.clone(), entry.role);
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
    users: Option<BTreeMap<String, UserPermissionView>>,
    teams: Option<BTreeMap<String, TeamPermissionView>>,
    mirror: Option<Option<MirrorView>>,
    notifications: Option<Vec<NotificationView>>,
}

impl RepoDetails {
    fn apply(self, org: &str, repo: &mut Repository) {
        if let Some(users) = self.users {
            let (users, robots) = user_permissions_from_map(org, &users);
            repo.permissions.users = Some(users);
            repo.permissions.robots = Some(robots);
        }
        if let Some(teams) = self.teams {
            repo.permissions.teams = Some(
                teams
                    .into_iter()
                    .map(|(name, view)| (name, view.role))
                    .collect(),
            );
        }
        if let Some(mirror) = self.mirror {
            repo.mirror = mirror.map(|view| mirror_from_view(org, &view));
        }
        if let Some(notifications) = self.notifications {
            repo.notifications = notifications_from_list(&notifications);
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

fn organization_from_view(
    client: &QuayClient,
    org: &str,
    view: &OrgView,
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
        email: view.email.as_deref().and_then(real_email),
        robots: BTreeMap::new(),
        teams: teams
            .iter()
            .map(|(name, team)| {
                let team = Team {
                    role: team.role,
                    description: team.description.clone().unwrap_or_default(),
                    members: None,
                    group_dn: None,
                };
                (name.clone(), team)
            })
            .collect(),
        repositories: BTreeMap::new(),
        default_permissions: None,
        auto_prune: Default::default(),
        immutability: Default::default(),
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
    let mut read = crate::model::ScopedPolicies::default();
    if reads.is_empty() || !client.features().await?.auto_prune {
        return Ok(read);
    }
    if reads.all || reads.organization {
        read.organization = Some(
            client
                .auto_prune(org, None)
                .list()
                .await?
                .unwrap_or_default(),
        );
    }
    let repositories = organization
        .repositories
        .keys()
        .filter(|name| reads.all || reads.repositories.contains(*name));
    read.repositories = stream::iter(repositories)
        .map(|name| async move {
            let list = client.auto_prune(org, Some(name)).list().await?;
            Ok::<_, QuayError>((name.clone(), list.unwrap_or_default()))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    Ok(read)
}

/// The immutability lists the scope reads, of existing repositories only, and only where the
/// server has `FEATURE_IMMUTABLE_TAGS` (Quay 3.17+; `GET /config`, once per run).
async fn read_immutability(
    client: &QuayClient,
    org: &str,
    reads: &PolicyReads,
    organization: &Organization,
) -> Result<crate::model::ScopedPolicies<crate::model::ImmutabilityPolicy>, QuayError> {
    let mut read = crate::model::ScopedPolicies::default();
    if reads.is_empty() || client.features().await?.immutable_tags != Some(true) {
        return Ok(read);
    }
    if reads.all || reads.organization {
        read.organization = Some(
            client
                .immutability(org, None)
                .list()
                .await?
                .unwrap_or_default(),
        );
    }
    let repositories = organization
        .repositories
        .keys()
        .filter(|name| reads.all || reads.repositories.contains(*name));
    read.repositories = stream::iter(repositories)
        .map(|name| async move {
            let list = client.immutability(org, Some(name)).list().await?;
            Ok::<_, QuayError>((name.clone(), list.unwrap_or_default()))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    Ok(read)
}

/// Quay shows `""` for no email, and Quay ≤3.17 the raw UUID placeholder it stores instead.
fn real_email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty() && !is_uuid(raw)).then(|| raw.to_string())
}

fn is_uuid(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The short name of a robot of `org` (`org+short` → `short`).
fn robots_from_list(org: &str, robots: &[RobotView]) -> BTreeMap<String, Robot> {
    robots
        .iter()
        .filter_map(|robot| {
            let short = robot_short_name(org, &robot.name)?;
            Some((
                short.to_string(),
                Robot {
                    description: robot.description.clone().unwrap_or_default(),
                },
            ))
        })
        .collect()
}

fn repositories_from_list(org: &str, list: &[RepoView]) -> BTreeMap<String, Repository> {
    list.iter()
        .filter(|repo| repo.namespace == org)
        .map(|repo| {
            let model = Repository {
                description: repo.description.clone().unwrap_or_default(),
                visibility: if repo.is_public {
                    Visibility::Public
                } else {
                    Visibility::Private
                },
                permissions: Permissions::default(),
                mirror: None,
                notifications: Vec::new(),
                state: repo.state.unwrap_or(RepoState::Normal),
            };
            (repo.name.clone(), model)
        })
        .collect()
}

/// Members, robots and pending invites of a team, and the LDAP group it is synced from.
/// A robot of another namespace is kept under `users` by its full name.
fn team_members_from_view(org: &str, view: &TeamMembersView) -> (TeamMembers, Option<String>) {
    let mut members = TeamMembers::default();
    for entry in &view.members {
        let Some(name) = &entry.name else {
            continue; // an invitation sent to an e-mail address: not a user mqc can name
        };
        if entry.invited {
            members.invited_users.insert(name.clone());
        } else if entry.is_robot {
            match robot_short_name(org, name) {
                Some(short) => members.robots.insert(short.to_string()),
                None => members.users.insert(name.clone()),
            };
        } else {
            members.users.insert(name.clone());
        }
    }
    let group_dn = view
        .synced
        .as_ref()
        .and_then(|synced| synced.group_dn())
        .map(str::to_string);
    (members, group_dn)
}

fn user_permissions_from_map(
    org: &str,
    map: &BTreeMap<String, UserPermissionView>,
) -> (BTreeMap<String, Role>, BTreeMap<String, Role>) {
    let mut users = BTreeMap::new();
    let mut robots = BTreeMap::new();
    for (name, view) in map {
        match robot_short_name(org, name).filter(|_| view.is_robot) {
            Some(short) => robots.insert(short.to_string(), view.role),
            None => users.insert(name.clone(), view.role),
        };
    }
    (users, robots)
}

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
        robot: robot_short_name(org, robot).unwrap_or(robot).to_string(),
        sync_interval: view.sync_interval,
        is_enabled: view.is_enabled,
        proxy: Proxy {
            http_proxy: proxy.http_proxy,
            https_proxy: proxy.https_proxy,
            no_proxy: proxy.no_proxy,
        },
    }
}

/// Only mirror-failure webhooks are managed; other notifications stay out of the model.
pub(crate) fn notifications_from_list(list: &[NotificationView]) -> Vec<Notification> {
    let mut notifications: Vec<Notification> = list
        .iter()
        .filter(|n| n.event == "repo_mirror_sync_failed" && n.method == "webhook")
        .map(|n| Notification {
            event: NotificationEvent::RepoMirrorSyncFailed,
            method: NotificationMethod::Webhook,
            url: n.url().unwrap_or_default().to_string(),
            title: n.title.clone().filter(|title| !title.is_empty()),
            uuid: Some(n.uuid.clone()),
        })
        .collect();
    notifications.sort();
    notifications
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TeamRole;

    fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn emails_placeholders_and_blanks() {
        assert_eq!(
            real_email("ops@example.com").as_deref(),
            Some("ops@example.com")
        );
        assert_eq!(real_email(""), None);
        assert_eq!(real_email("5c3e9a1b-0d2f-4e6a-8b7c-9d0e1f2a3b4c"), None);
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn robots_keep_short_names_of_this_org_only() {
        let robots: Vec<RobotView> = parse(
            r#"[{"name": "exampleorg+ci", "created": "x", "last_accessed": null, "description": "CI pusher"},
                {"name": "exampleorg+bare", "description": null}]"#,
        );
        let model = robots_from_list("exampleorg", &robots);
        assert_eq!(model["ci"].description, "CI pusher");
        assert_eq!(model["bare"].description, "");
        assert_eq!(model.len(), 2);
    }

    #[test]
    fn repository_list_maps_visibility_description_and_state() {
        let list: Vec<RepoView> = parse(
            r#"[{"namespace": "o", "name": "nested/demorepo", "description": null, "is_public": false, "kind": "image", "state": "MIRROR"},
                {"namespace": "o", "name": "app", "description": "App", "is_public": true, "kind": "image", "state": "NORMAL"}]"#,
        );
        let repos = repositories_from_list("o", &list);
        let nested = &repos["nested/demorepo"];
        assert_eq!(nested.description, "");
        assert_eq!(nested.visibility, Visibility::Private);
        assert_eq!(nested.state, RepoState::Mirror);
        assert_eq!(nested.permissions, Permissions::default());
        assert_eq!(repos["app"].visibility, Visibility::Public);
    }

    #[test]
    fn team_members_split_users_robots_and_invites() {
        let view: TeamMembersView = parse(
            r#"{"name": "devs", "can_edit": true, "members": [
                {"name": "alice", "kind": "user", "is_robot": false, "invited": false},
                {"name": "o+ci", "kind": "user", "is_robot": true, "invited": false},
                {"name": "other+bot", "kind": "user", "is_robot": true, "invited": false},
                {"name": "bob", "kind": "user", "is_robot": false, "invited": true},
                {"email": "carol@example.com", "kind": "invite", "invited": true}],
              "synced": {"service": "ldap", "config": {"group_dn": "cn=devs,ou=groups"}}}"#,
        );
        let (members, group_dn) = team_members_from_view("o", &view);
        assert_eq!(
            members.users,
            BTreeSet::from(["alice".to_string(), "other+bot".to_string()])
        );
        assert_eq!(members.robots, BTreeSet::from(["ci".to_string()]));
        assert_eq!(members.invited_users, BTreeSet::from(["bob".to_string()]));
        assert_eq!(group_dn.as_deref(), Some("cn=devs,ou=groups"));
    }

    #[test]
    fn user_permissions_split_users_and_robots() {
        let map: BTreeMap<String, UserPermissionView> = parse(
            r#"{"mqc-admin": {"role": "admin", "name": "mqc-admin", "is_robot": false, "avatar": {}, "is_org_member": true},
                "exampleorg+ci": {"role": "write", "name": "exampleorg+ci", "is_robot": true, "avatar": {}, "is_org_member": true}}"#,
        );
        let (users, robots) = user_permissions_from_map("exampleorg", &map);
        assert_eq!(
            users,
            BTreeMap::from([("mqc-admin".to_string(), Role::Admin)])
        );
        assert_eq!(robots, BTreeMap::from([("ci".to_string(), Role::Write)]));
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

    #[test]
    fn only_mirror_failure_webhooks_enter_the_model() {
        let list: Vec<NotificationView> = parse(
            r#"[{"uuid": "u1", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": "https://hooks.example.com/quay"}, "event_config": {}},
                {"uuid": "u2", "title": "", "event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": "https://b.example.com"}, "event_config": {}},
                {"uuid": "u3", "title": "push", "event": "repo_push", "method": "webhook", "config": {"url": "https://c.example.com"}, "event_config": {}},
                {"uuid": "u4", "title": "mail", "event": "repo_mirror_sync_failed", "method": "email", "config": {"email": "a@b.c"}, "event_config": {}}]"#,
        );
        let model = notifications_from_list(&list);
        assert_eq!(model.len(), 2);
        assert_eq!(model[0].url, "https://b.example.com");
        assert_eq!(model[0].title, None);
        assert_eq!(model[1].title.as_deref(), Some("Mirror failed"));
        assert_eq!(model[1].uuid.as_deref(), Some("u1"));
    }

    fn desired() -> Organization {
        let mut org = Organization {
            name: "o".into(),
            ..Organization::default()
        };
        let team = |members: Option<TeamMembers>, group_dn: Option<&str>| Team {
            role: TeamRole::Member,
            description: String::new(),
            members,
            group_dn: group_dn.map(str::to_string),
        };
        org.teams.insert("plain".into(), team(None, None));
        org.teams
            .insert("listed".into(), team(Some(TeamMembers::default()), None));
        org.teams.insert("ldap".into(), team(None, Some("cn=x")));
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
            }),
            notifications: Vec::new(),
            state: RepoState::Normal,
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
            scope.repo_reads("bare", RepoState::Normal),
            RepoReads::default()
        );
        assert_eq!(
            scope.repo_reads("teams", RepoState::Normal),
            RepoReads {
                team_permissions: true,
                ..RepoReads::default()
            }
        );
        assert_eq!(
            scope.repo_reads("mirrored", RepoState::Normal),
            RepoReads {
                user_permissions: true,
                team_permissions: false,
                mirror: true,
                notifications: true,
            }
        );
        assert_eq!(
            scope.repo_reads("undeclared", RepoState::Mirror),
            RepoReads {
                mirror: true,
                notifications: true,
                ..RepoReads::default()
            }
        );
    }

    fn org_teams(counts: &[(&str, Option<u64>)]) -> BTreeMap<String, OrgTeamView> {
        counts
            .iter()
            .map(|(name, repo_count)| {
                let view = OrgTeamView {
                    name: name.to_string(),
                    description: None,
                    role: crate::model::TeamRole::Member,
                    is_synced: false,
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
        assert_eq!(scope.repo_reads("any", RepoState::Normal), RepoReads::ALL);
    }
}
