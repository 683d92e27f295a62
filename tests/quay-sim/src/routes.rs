//! Path matching as Flask/werkzeug does it for Quay's API (quay-api.md §1.1): exact paths,
//! strict trailing slashes (308 to the slashed URL, 404 for an extra slash), nested repository
//! names split on the first slash, and fixed suffixes winning over the bare repository route.

use http::Method;

/// `namespace/name` of a repository route; `name` may contain `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPath {
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    OrgList,
    Org {
        org: String,
    },
    Robots {
        org: String,
    },
    Robot {
        org: String,
        robot: String,
    },
    /// `…/robots/{robot}/federation` (Quay 3.13+).
    RobotFederation {
        org: String,
        robot: String,
    },
    RobotPermissions {
        org: String,
        robot: String,
    },
    /// `/user/robots/{robot}/federation` (Quay 3.18+). The sim has no user robots: every
    /// request answers as Quay does for a robot it cannot find.
    UserRobotFederation {
        robot: String,
    },
    Team {
        org: String,
        team: String,
    },
    TeamMembers {
        org: String,
        team: String,
    },
    TeamMember {
        org: String,
        team: String,
        member: String,
    },
    TeamSyncing {
        org: String,
        team: String,
    },
    /// `…/team/{t}/syncing` on a Quay without team syncing: the route is not registered, so
    /// Quay's web catch-all answers (`catch_all`: 308 for GET, HTML 405 otherwise, 500 on 3.12).
    TeamSyncingAbsent,
    TeamPermissions {
        org: String,
        team: String,
    },
    Prototypes {
        org: String,
    },
    Prototype {
        org: String,
        id: String,
    },
    Quotas {
        org: String,
    },
    Quota {
        org: String,
        id: String,
    },
    QuotaLimits {
        org: String,
        id: String,
    },
    QuotaLimit {
        org: String,
        id: String,
        limit: String,
    },
    AutoPrunePolicies {
        org: String,
    },
    AutoPrunePolicy {
        org: String,
        uuid: String,
    },
    RepoAutoPrunePolicies(RepoPath),
    RepoAutoPrunePolicy(RepoPath, String),
    ImmutabilityPolicies {
        org: String,
    },
    ImmutabilityPolicy {
        org: String,
        uuid: String,
    },
    RepoImmutabilityPolicies(RepoPath),
    RepoImmutabilityPolicy(RepoPath, String),
    RepoList,
    Repo(RepoPath),
    RepoVisibility(RepoPath),
    RepoState(RepoPath),
    RepoUserPermissions(RepoPath),
    RepoUserPermission(RepoPath, String),
    RepoTeamPermissions(RepoPath),
    RepoTeamPermission(RepoPath, String),
    Mirror(RepoPath),
    MirrorSyncNow(RepoPath),
    MirrorSyncCancel(RepoPath),
    Notifications(RepoPath),
    Notification(RepoPath, String),
    /// `POST …/notification/{uuid}/test`.
    NotificationTest(RepoPath, String),
    /// `…/authorizedemail/{email}` (`api/repoemail.py`, internal: not in discovery; answers
    /// only with `FEATURE_MAILING`).
    AuthorizedEmail(RepoPath, String),
    User,
    Users {
        name: String,
    },
    SuperuserOrgs,
    SuperuserOrg {
        name: String,
    },
    Discovery,
    /// `GET /config` (a web route, not under `/api/v1`; `endpoints/web.py`): the frontend
    /// configuration with every feature flag. No token needed.
    WebConfig,
}

/// Which feature-gated routes are registered (Quay's `@show_if`: with the flag off the
/// resource is never added, so its paths fall through to other routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    /// `FEATURE_TEAM_SYNCING`: `…/team/{t}/syncing`.
    pub team_syncing: bool,
    /// `FEATURE_REPO_MIRROR`: `…/mirror`, `…/mirror/sync-now`, `…/mirror/sync-cancel` and
    /// `…/changestate`.
    pub repo_mirror: bool,
    /// `FEATURE_AUTO_PRUNE`: `…/autoprunepolicy/[{uuid}]` of organizations and repositories.
    pub auto_prune: bool,
    /// `FEATURE_IMMUTABLE_TAGS` (3.17+): `…/immutabilitypolicy/[{uuid}]`.
    pub immutable_tags: bool,
    /// `FEATURE_QUOTA_MANAGEMENT`: `…/quota[/{id}[/limit[/{lid}]]]`.
    pub quota: bool,
    /// Quay 3.13+ (no flag): `…/robots/{robot}/federation`.
    pub robot_federation: bool,
    /// Quay 3.18+ (no flag): `/user/robots/{robot}/federation`.
    pub user_robot_federation: bool,
}

impl Default for Registered {
    /// quay-sim without switches: mirroring on, team syncing off.
    fn default() -> Self {
        Registered {
            auto_prune: true,
            immutable_tags: true,
            team_syncing: false,
            repo_mirror: true,
            quota: true,
            robot_federation: true,
            user_robot_federation: true,
        }
    }
}

/// What a path resolves to before the method is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Route(Route),
    /// The route exists with a trailing slash: 308 to this path.
    AddSlash(String),
    NotFound,
}

/// One registered route: its stats key, its Swagger path and operation ids per method.
pub struct RouteInfo {
    /// Path template for `/_sim/stats` `by_route` (short parameter names).
    pub template: &'static str,
    /// Path as Quay's discovery document lists it (Quay's parameter names).
    pub swagger_path: &'static str,
    /// (method, operationId, declared scope).
    pub operations: &'static [(Method, &'static str, Option<&'static str>)],
    /// A `/superuser/...` route Quay marks internal (discovery lists it only with `internal`).
    pub internal: bool,
}

macro_rules! route_info {
    ($template:literal, $swagger:literal, [$(($method:ident, $op:literal, $scope:expr)),* $(,)?]) => {
        RouteInfo {
            template: $template,
            swagger_path: $swagger,
            operations: &[$((Method::$method, $op, $scope)),*],
            internal: false,
        }
    };
}

const ORG_ADMIN: Option<&str> = Some("org:admin");
const REPO_ADMIN: Option<&str> = Some("repo:admin");

impl Route {
    pub fn info(&self) -> RouteInfo {
        match self {
            Route::OrgList => route_info!(
                "/api/v1/organization/",
                "/api/v1/organization/",
                [(POST, "createOrganization", Some("user:admin"))]
            ),
            Route::Org { .. } => route_info!(
                "/api/v1/organization/{org}",
                "/api/v1/organization/{orgname}",
                [
                    (GET, "getOrganization", None),
                    (PUT, "changeOrganizationDetails", ORG_ADMIN),
                    (DELETE, "deleteAdminedOrganization", ORG_ADMIN)
                ]
            ),
            Route::Robots { .. } => route_info!(
                "/api/v1/organization/{org}/robots",
                "/api/v1/organization/{orgname}/robots",
                [(GET, "getOrgRobots", ORG_ADMIN)]
            ),
            Route::Robot { .. } => route_info!(
                "/api/v1/organization/{org}/robots/{robot}",
                "/api/v1/organization/{orgname}/robots/{robot_shortname}",
                [
                    (GET, "getOrgRobot", ORG_ADMIN),
                    (PUT, "createOrgRobot", ORG_ADMIN),
                    (DELETE, "deleteOrgRobot", ORG_ADMIN)
                ]
            ),
            Route::RobotFederation { .. } => route_info!(
                "/api/v1/organization/{org}/robots/{robot}/federation",
                "/api/v1/organization/{orgname}/robots/{robot_shortname}/federation",
                [
                    (GET, "getOrgRobotFederation", ORG_ADMIN),
                    (POST, "createOrgRobotFederation", ORG_ADMIN),
                    (DELETE, "deleteOrgRobotFederation", ORG_ADMIN)
                ]
            ),
            Route::UserRobotFederation { .. } => route_info!(
                "/api/v1/user/robots/{robot}/federation",
                "/api/v1/user/robots/{robot_shortname}/federation",
                [
                    (GET, "getUserRobotFederation", Some("user:admin")),
                    (POST, "createUserRobotFederation", Some("user:admin")),
                    (DELETE, "deleteUserRobotFederation", Some("user:admin"))
                ]
            ),
            Route::RobotPermissions { .. } => route_info!(
                "/api/v1/organization/{org}/robots/{robot}/permissions",
                "/api/v1/organization/{orgname}/robots/{robot_shortname}/permissions",
                [(GET, "getOrgRobotPermissions", Some("user:admin"))]
            ),
            Route::Team { .. } => route_info!(
                "/api/v1/organization/{org}/team/{team}",
                "/api/v1/organization/{orgname}/team/{teamname}",
                [
                    (PUT, "updateOrganizationTeam", ORG_ADMIN),
                    (DELETE, "deleteOrganizationTeam", ORG_ADMIN)
                ]
            ),
            Route::TeamMembers { .. } => route_info!(
                "/api/v1/organization/{org}/team/{team}/members",
                "/api/v1/organization/{orgname}/team/{teamname}/members",
                [(GET, "getOrganizationTeamMembers", ORG_ADMIN)]
            ),
            Route::TeamMember { .. } => route_info!(
                "/api/v1/organization/{org}/team/{team}/members/{member}",
                "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}",
                [
                    (PUT, "updateOrganizationTeamMember", ORG_ADMIN),
                    (DELETE, "deleteOrganizationTeamMember", ORG_ADMIN)
                ]
            ),
            Route::TeamSyncing { .. } => route_info!(
                "/api/v1/organization/{org}/team/{team}/syncing",
                "/api/v1/organization/{orgname}/team/{teamname}/syncing",
                [
                    (POST, "enableOrganizationTeamSync", ORG_ADMIN),
                    (DELETE, "disableOrganizationTeamSync", ORG_ADMIN)
                ]
            ),
            Route::TeamSyncingAbsent => {
                route_info!("/api/v1/organization/{org}/team/{team}/syncing", "", [])
            }
            Route::TeamPermissions { .. } => route_info!(
                "/api/v1/organization/{org}/team/{team}/permissions",
                "/api/v1/organization/{orgname}/team/{teamname}/permissions",
                [(GET, "getOrganizationTeamPermissions", None)]
            ),
            Route::Prototypes { .. } => route_info!(
                "/api/v1/organization/{org}/prototypes",
                "/api/v1/organization/{orgname}/prototypes",
                [
                    (GET, "getOrganizationPrototypePermissions", ORG_ADMIN),
                    (POST, "createOrganizationPrototypePermission", ORG_ADMIN)
                ]
            ),
            Route::Prototype { .. } => route_info!(
                "/api/v1/organization/{org}/prototypes/{id}",
                "/api/v1/organization/{orgname}/prototypes/{prototypeid}",
                [
                    (DELETE, "deleteOrganizationPrototypePermission", ORG_ADMIN),
                    (PUT, "updateOrganizationPrototypePermission", ORG_ADMIN)
                ]
            ),
            Route::Quotas { .. } => route_info!(
                "/api/v1/organization/{org}/quota",
                "/api/v1/organization/{orgname}/quota",
                [
                    (GET, "listOrganizationQuota", None),
                    (POST, "createOrganizationQuota", None)
                ]
            ),
            Route::Quota { .. } => route_info!(
                "/api/v1/organization/{org}/quota/{id}",
                "/api/v1/organization/{orgname}/quota/{quota_id}",
                [
                    (GET, "getOrganizationQuota", None),
                    (PUT, "changeOrganizationQuota", None),
                    (DELETE, "deleteOrganizationQuota", None)
                ]
            ),
            Route::QuotaLimits { .. } => route_info!(
                "/api/v1/organization/{org}/quota/{id}/limit",
                "/api/v1/organization/{orgname}/quota/{quota_id}/limit",
                [
                    (GET, "listOrganizationQuotaLimit", None),
                    (POST, "createOrganizationQuotaLimit", None)
                ]
            ),
            Route::QuotaLimit { .. } => route_info!(
                "/api/v1/organization/{org}/quota/{id}/limit/{limit}",
                "/api/v1/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
                [
                    (GET, "getOrganizationQuotaLimit", None),
                    (DELETE, "deleteOrganizationQuotaLimit", None)
                ]
            ),
            Route::AutoPrunePolicies { .. } => route_info!(
                "/api/v1/organization/{org}/autoprunepolicy/",
                "/api/v1/organization/{orgname}/autoprunepolicy/",
                [
                    (GET, "listOrganizationAutoPrunePolicies", ORG_ADMIN),
                    (POST, "createOrganizationAutoPrunePolicy", ORG_ADMIN)
                ]
            ),
            Route::AutoPrunePolicy { .. } => route_info!(
                "/api/v1/organization/{org}/autoprunepolicy/{uuid}",
                "/api/v1/organization/{orgname}/autoprunepolicy/{policy_uuid}",
                [
                    (GET, "getOrganizationAutoPrunePolicy", ORG_ADMIN),
                    (PUT, "updateOrganizationAutoPrunePolicy", ORG_ADMIN),
                    (DELETE, "deleteOrganizationAutoPrunePolicy", ORG_ADMIN)
                ]
            ),
            Route::RepoAutoPrunePolicies(_) => route_info!(
                "/api/v1/repository/{repository}/autoprunepolicy/",
                "/api/v1/repository/{repository}/autoprunepolicy/",
                [
                    (GET, "listRepositoryAutoPrunePolicies", REPO_ADMIN),
                    (POST, "createRepositoryAutoPrunePolicy", REPO_ADMIN)
                ]
            ),
            Route::RepoAutoPrunePolicy(..) => route_info!(
                "/api/v1/repository/{repository}/autoprunepolicy/{uuid}",
                "/api/v1/repository/{repository}/autoprunepolicy/{policy_uuid}",
                [
                    (GET, "getRepositoryAutoPrunePolicy", REPO_ADMIN),
                    (PUT, "updateRepositoryAutoPrunePolicy", REPO_ADMIN),
                    (DELETE, "deleteRepositoryAutoPrunePolicy", REPO_ADMIN)
                ]
            ),
            Route::ImmutabilityPolicies { .. } => route_info!(
                "/api/v1/organization/{org}/immutabilitypolicy/",
                "/api/v1/organization/{orgname}/immutabilitypolicy/",
                [
                    (GET, "listOrgImmutabilityPolicies", ORG_ADMIN),
                    (POST, "createOrgImmutabilityPolicy", ORG_ADMIN)
                ]
            ),
            Route::ImmutabilityPolicy { .. } => route_info!(
                "/api/v1/organization/{org}/immutabilitypolicy/{uuid}",
                "/api/v1/organization/{orgname}/immutabilitypolicy/{policy_uuid}",
                [
                    (GET, "getOrgImmutabilityPolicy", ORG_ADMIN),
                    (PUT, "updateOrgImmutabilityPolicy", ORG_ADMIN),
                    (DELETE, "deleteOrgImmutabilityPolicy", ORG_ADMIN)
                ]
            ),
            Route::RepoImmutabilityPolicies(_) => route_info!(
                "/api/v1/repository/{repository}/immutabilitypolicy/",
                "/api/v1/repository/{repository}/immutabilitypolicy/",
                [
                    (GET, "listRepositoryImmutabilityPolicies", REPO_ADMIN),
                    (POST, "createRepositoryImmutabilityPolicy", REPO_ADMIN)
                ]
            ),
            Route::RepoImmutabilityPolicy(..) => route_info!(
                "/api/v1/repository/{repository}/immutabilitypolicy/{uuid}",
                "/api/v1/repository/{repository}/immutabilitypolicy/{policy_uuid}",
                [
                    (GET, "getRepositoryImmutabilityPolicy", REPO_ADMIN),
                    (PUT, "updateRepositoryImmutabilityPolicy", REPO_ADMIN),
                    (DELETE, "deleteRepositoryImmutabilityPolicy", REPO_ADMIN)
                ]
            ),
            Route::RepoList => route_info!(
                "/api/v1/repository",
                "/api/v1/repository",
                [
                    (GET, "listRepos", Some("repo:read")),
                    (POST, "createRepo", Some("repo:create"))
                ]
            ),
            Route::Repo(_) => route_info!(
                "/api/v1/repository/{repository}",
                "/api/v1/repository/{repository}",
                [
                    (GET, "getRepo", Some("repo:read")),
                    (PUT, "updateRepo", Some("repo:write")),
                    (DELETE, "deleteRepository", REPO_ADMIN)
                ]
            ),
            Route::RepoVisibility(_) => route_info!(
                "/api/v1/repository/{repository}/changevisibility",
                "/api/v1/repository/{repository}/changevisibility",
                [(POST, "changeRepoVisibility", REPO_ADMIN)]
            ),
            Route::RepoState(_) => route_info!(
                "/api/v1/repository/{repository}/changestate",
                "/api/v1/repository/{repository}/changestate",
                [(PUT, "changeRepoState", REPO_ADMIN)]
            ),
            Route::RepoUserPermissions(_) => route_info!(
                "/api/v1/repository/{repository}/permissions/user/",
                "/api/v1/repository/{repository}/permissions/user/",
                [(GET, "listRepoUserPermissions", REPO_ADMIN)]
            ),
            Route::RepoUserPermission(..) => route_info!(
                "/api/v1/repository/{repository}/permissions/user/{user}",
                "/api/v1/repository/{repository}/permissions/user/{username}",
                [
                    (GET, "getUserPermissions", REPO_ADMIN),
                    (PUT, "changeUserPermissions", REPO_ADMIN),
                    (DELETE, "deleteUserPermissions", REPO_ADMIN)
                ]
            ),
            Route::RepoTeamPermissions(_) => route_info!(
                "/api/v1/repository/{repository}/permissions/team/",
                "/api/v1/repository/{repository}/permissions/team/",
                [(GET, "listRepoTeamPermissions", REPO_ADMIN)]
            ),
            Route::RepoTeamPermission(..) => route_info!(
                "/api/v1/repository/{repository}/permissions/team/{team}",
                "/api/v1/repository/{repository}/permissions/team/{teamname}",
                [
                    (GET, "getTeamPermissions", REPO_ADMIN),
                    (PUT, "changeTeamPermissions", REPO_ADMIN),
                    (DELETE, "deleteTeamPermissions", REPO_ADMIN)
                ]
            ),
            Route::Mirror(_) => route_info!(
                "/api/v1/repository/{repository}/mirror",
                "/api/v1/repository/{repository}/mirror",
                [
                    (GET, "getRepoMirrorConfig", REPO_ADMIN),
                    (POST, "createRepoMirrorConfig", REPO_ADMIN),
                    (PUT, "changeRepoMirrorConfig", REPO_ADMIN)
                ]
            ),
            Route::MirrorSyncNow(_) => route_info!(
                "/api/v1/repository/{repository}/mirror/sync-now",
                "/api/v1/repository/{repository}/mirror/sync-now",
                [(POST, "syncNow", REPO_ADMIN)]
            ),
            Route::MirrorSyncCancel(_) => route_info!(
                "/api/v1/repository/{repository}/mirror/sync-cancel",
                "/api/v1/repository/{repository}/mirror/sync-cancel",
                [(POST, "syncCancel", REPO_ADMIN)]
            ),
            Route::Notifications(_) => route_info!(
                "/api/v1/repository/{repository}/notification/",
                "/api/v1/repository/{repository}/notification/",
                [
                    (GET, "listRepoNotifications", REPO_ADMIN),
                    (POST, "createRepoNotification", REPO_ADMIN)
                ]
            ),
            Route::Notification(..) => route_info!(
                "/api/v1/repository/{repository}/notification/{uuid}",
                "/api/v1/repository/{repository}/notification/{uuid}",
                [
                    (GET, "getRepoNotification", REPO_ADMIN),
                    (DELETE, "deleteRepoNotification", REPO_ADMIN),
                    (POST, "resetRepositoryNotificationFailures", REPO_ADMIN)
                ]
            ),
            Route::NotificationTest(..) => route_info!(
                "/api/v1/repository/{repository}/notification/{uuid}/test",
                "/api/v1/repository/{repository}/notification/{uuid}/test",
                [(POST, "testRepoNotification", REPO_ADMIN)]
            ),
            Route::AuthorizedEmail(..) => route_info!(
                "/api/v1/repository/{repository}/authorizedemail/{email}",
                "/api/v1/repository/{repository}/authorizedemail/{email}",
                [
                    (GET, "checkRepoEmailAuthorized", REPO_ADMIN),
                    (POST, "sendAuthorizeRepoEmail", REPO_ADMIN)
                ]
            ),
            Route::User => route_info!(
                "/api/v1/user/",
                "/api/v1/user/",
                [(GET, "getLoggedInUser", Some("user:read"))]
            ),
            Route::Users { .. } => route_info!(
                "/api/v1/users/{user}",
                "/api/v1/users/{username}",
                [(GET, "getUserInformation", None)]
            ),
            Route::SuperuserOrgs => RouteInfo {
                internal: true,
                ..route_info!(
                    "/api/v1/superuser/organizations/",
                    "/api/v1/superuser/organizations/",
                    [(GET, "listAllOrganizations", Some("super:user"))]
                )
            },
            Route::SuperuserOrg { .. } => route_info!(
                "/api/v1/superuser/organizations/{org}",
                "/api/v1/superuser/organizations/{name}",
                [(DELETE, "deleteOrganization", Some("super:user"))]
            ),
            Route::Discovery => route_info!(
                "/api/v1/discovery",
                "/api/v1/discovery",
                [(GET, "discovery", None)]
            ),
            Route::WebConfig => route_info!("/config", "", [(GET, "config", None)]),
        }
    }

    pub fn allows(&self, method: &Method) -> bool {
        self.info().operations.iter().any(|(m, _, _)| m == method)
    }

    /// One route of each kind registered with `registered`, for the discovery document.
    pub fn all(registered: Registered) -> Vec<Route> {
        let org = || "o".to_string();
        let repo = || RepoPath {
            namespace: "o".into(),
            name: "r".into(),
        };
        let mut routes = vec![
            Route::OrgList,
            Route::Org { org: org() },
            Route::Robots { org: org() },
            Route::Robot {
                org: org(),
                robot: "r".into(),
            },
            Route::RobotPermissions {
                org: org(),
                robot: "r".into(),
            },
            Route::Team {
                org: org(),
                team: "t".into(),
            },
            Route::TeamMembers {
                org: org(),
                team: "t".into(),
            },
            Route::TeamMember {
                org: org(),
                team: "t".into(),
                member: "m".into(),
            },
            Route::TeamPermissions {
                org: org(),
                team: "t".into(),
            },
            Route::Prototypes { org: org() },
            Route::Prototype {
                org: org(),
                id: "i".into(),
            },
            Route::RepoList,
            Route::Repo(repo()),
            Route::RepoVisibility(repo()),
            Route::RepoUserPermissions(repo()),
            Route::RepoUserPermission(repo(), "u".into()),
            Route::RepoTeamPermissions(repo()),
            Route::RepoTeamPermission(repo(), "t".into()),
            Route::Notifications(repo()),
            Route::Notification(repo(), "u".into()),
            Route::NotificationTest(repo(), "u".into()),
            Route::User,
            Route::Users { name: "u".into() },
            Route::SuperuserOrgs,
            Route::SuperuserOrg { name: "o".into() },
            Route::Discovery,
        ];
        if registered.repo_mirror {
            routes.extend([
                Route::RepoState(repo()),
                Route::Mirror(repo()),
                Route::MirrorSyncNow(repo()),
                Route::MirrorSyncCancel(repo()),
            ]);
        }
        if registered.quota {
            routes.extend([
                Route::Quotas { org: org() },
                Route::Quota {
                    org: org(),
                    id: "1".into(),
                },
                Route::QuotaLimits {
                    org: org(),
                    id: "1".into(),
                },
                Route::QuotaLimit {
                    org: org(),
                    id: "1".into(),
                    limit: "1".into(),
                },
            ]);
        }
        if registered.auto_prune {
            routes.extend([
                Route::AutoPrunePolicies { org: org() },
                Route::AutoPrunePolicy {
                    org: org(),
                    uuid: "u".into(),
                },
                Route::RepoAutoPrunePolicies(repo()),
                Route::RepoAutoPrunePolicy(repo(), "u".into()),
            ]);
        }
        if registered.immutable_tags {
            routes.extend([
                Route::ImmutabilityPolicies { org: org() },
                Route::ImmutabilityPolicy {
                    org: org(),
                    uuid: "u".into(),
                },
                Route::RepoImmutabilityPolicies(repo()),
                Route::RepoImmutabilityPolicy(repo(), "u".into()),
            ]);
        }
        if registered.robot_federation {
            routes.push(Route::RobotFederation {
                org: org(),
                robot: "r".into(),
            });
        }
        if registered.user_robot_federation {
            routes.push(Route::UserRobotFederation { robot: "r".into() });
        }
        if registered.team_syncing {
            routes.push(Route::TeamSyncing {
                org: org(),
                team: "t".into(),
            });
        }
        routes
    }
}

/// What Quay's web app does with a request that no API rule takes (the method is not one of
/// the matched route's, or no route matches): its UI blueprint has GET catch-all rules, so
/// werkzeug redirects such a GET to the slashed URL (which then answers 404), and a non-GET
/// gets a 405. Seen on real servers (quay/quay HEAD ffba0c70 and v3.12.21): `GET
/// …/team/{t}`, `GET …/team/{t}/syncing` (team syncing off) and `GET /api/v1/nothing` → 308;
/// `POST …/team/{t}/syncing` → werkzeug's HTML 405 (HEAD), while a route that exists but has
/// no GET (`PATCH …/team/{t}`, `POST …/members/{m}`) answers Flask-RESTful's 405 [M] (HEAD).
/// On 3.12.21 (Werkzeug 3.0.3) Flask-RESTful's error router trips over that redirect while
/// building the 405, so every such non-GET answers 500 (HTML) instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchAll {
    /// 308 to the path with a trailing slash (query kept).
    AddSlash,
    /// werkzeug's HTML 405: no API rule has this path.
    HtmlMethodNotAllowed,
    /// Flask-RESTful's 405 [M]: an API rule has this path, not this method.
    MethodNotAllowed,
    /// 3.12: the 500 of the error router.
    InternalError,
}

/// `None` when the API answers as usual. Repository routes are not concerned: a method that
/// a suffix route lacks falls to the repository route (see `api::handle`).
pub fn catch_all(
    matched: &Matched,
    method: &Method,
    path: &str,
    version: crate::QuayVersion,
) -> Option<CatchAll> {
    if !path.starts_with("/api/v1/")
        || path.ends_with('/')
        || path.starts_with("/api/v1/repository")
    {
        return None;
    }
    let api_rule = match matched {
        Matched::NotFound | Matched::Route(Route::TeamSyncingAbsent) => false,
        Matched::Route(route) if !route.allows(&Method::GET) && !route.allows(method) => true,
        _ => return None,
    };
    Some(if *method == Method::GET {
        CatchAll::AddSlash
    } else if version == crate::QuayVersion::V3_12 {
        CatchAll::InternalError
    } else if api_rule {
        CatchAll::MethodNotAllowed
    } else {
        CatchAll::HtmlMethodNotAllowed
    })
}

/// For a repository suffix route (`…/mirror`, `…/changevisibility`, …) hit with a method it
/// lacks: the repository route that takes the whole rest as a nested name, when that route has
/// the method. A real Quay (HEAD ffba0c70) answered `DELETE /repository/o/a/mirror` by deleting
/// the repository `o/a/mirror` (204), and `GET /repository/o/a/changevisibility` with the 404
/// of the repository `o/a/changevisibility`.
pub fn repository_fallback(route: &Route, method: &Method) -> Option<Route> {
    if route.allows(method) {
        return None;
    }
    let repo = match route {
        Route::Mirror(r)
        | Route::MirrorSyncNow(r)
        | Route::MirrorSyncCancel(r)
        | Route::RepoVisibility(r)
        | Route::RepoState(r) => r,
        _ => return None,
    };
    let suffix = route.info().template.split_once("{repository}")?.1;
    let fallback = Route::Repo(RepoPath {
        namespace: repo.namespace.clone(),
        name: format!("{}{suffix}", repo.name),
    });
    fallback.allows(method).then_some(fallback)
}

/// Resolves a percent-decoded path; `registered` says which feature-gated routes exist.
pub fn match_path(path: &str, registered: Registered) -> Matched {
    if path == "/config" {
        return Matched::Route(Route::WebConfig);
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return Matched::NotFound;
    };
    if let Some(repo_rest) = rest.strip_prefix("repository/") {
        if let Some(route) = registered
            .auto_prune
            .then(|| auto_prune_repository_route(repo_rest))
            .flatten()
        {
            return Matched::Route(route);
        }
        if let Some(route) = registered
            .immutable_tags
            .then(|| immutability_repository_route(repo_rest))
            .flatten()
        {
            return Matched::Route(route);
        }
        return match_repository(repo_rest, path, registered.repo_mirror);
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let s = |x: &str| x.to_string();
    let ok = |route: Route| Matched::Route(route);
    let named = |x: &&str| !x.is_empty();
    match segments.as_slice() {
        ["organization", ""] => ok(Route::OrgList),
        ["organization"] => Matched::AddSlash(format!("{path}/")),
        ["organization", org] if named(org) => ok(Route::Org { org: s(org) }),
        ["organization", org, "robots"] if named(org) => ok(Route::Robots { org: s(org) }),
        ["organization", org, "robots", robot] if named(org) && named(robot) => ok(Route::Robot {
            org: s(org),
            robot: s(robot),
        }),
        ["organization", org, "robots", robot, "federation"]
            if registered.robot_federation && named(org) && named(robot) =>
        {
            ok(Route::RobotFederation {
                org: s(org),
                robot: s(robot),
            })
        }
        ["organization", org, "robots", robot, "permissions"] if named(org) && named(robot) => {
            ok(Route::RobotPermissions {
                org: s(org),
                robot: s(robot),
            })
        }
        ["organization", org, "team", team] if named(org) && named(team) => ok(Route::Team {
            org: s(org),
            team: s(team),
        }),
        ["organization", org, "team", team, "members"] if named(org) && named(team) => {
            ok(Route::TeamMembers {
                org: s(org),
                team: s(team),
            })
        }
        ["organization", org, "team", team, "members", member]
            if named(org) && named(team) && named(member) =>
        {
            ok(Route::TeamMember {
                org: s(org),
                team: s(team),
                member: s(member),
            })
        }
        ["organization", org, "team", team, "syncing"] if named(org) && named(team) => {
            if registered.team_syncing {
                ok(Route::TeamSyncing {
                    org: s(org),
                    team: s(team),
                })
            } else {
                ok(Route::TeamSyncingAbsent)
            }
        }
        ["organization", org, "team", team, "permissions"] if named(org) && named(team) => {
            ok(Route::TeamPermissions {
                org: s(org),
                team: s(team),
            })
        }
        ["organization", org, "prototypes"] if named(org) => ok(Route::Prototypes { org: s(org) }),
        ["organization", org, "prototypes", id] if named(org) && named(id) => {
            ok(Route::Prototype {
                org: s(org),
                id: s(id),
            })
        }
        ["organization", org, "quota"] if named(org) && registered.quota => {
            ok(Route::Quotas { org: s(org) })
        }
        ["organization", org, "quota", id] if named(org) && named(id) && registered.quota => {
            ok(Route::Quota {
                org: s(org),
                id: s(id),
            })
        }
        ["organization", org, "quota", id, "limit"]
            if named(org) && named(id) && registered.quota =>
        {
            ok(Route::QuotaLimits {
                org: s(org),
                id: s(id),
            })
        }
        ["organization", org, "quota", id, "limit", limit]
            if named(org) && named(id) && named(limit) && registered.quota =>
        {
            ok(Route::QuotaLimit {
                org: s(org),
                id: s(id),
                limit: s(limit),
            })
        }
        ["organization", org, "autoprunepolicy", ""] if registered.auto_prune && named(org) => {
            ok(Route::AutoPrunePolicies { org: s(org) })
        }
        ["organization", org, "autoprunepolicy", uuid]
            if registered.auto_prune && named(org) && named(uuid) =>
        {
            ok(Route::AutoPrunePolicy {
                org: s(org),
                uuid: s(uuid),
            })
        }
        ["organization", org, "immutabilitypolicy", ""]
            if registered.immutable_tags && named(org) =>
        {
            ok(Route::ImmutabilityPolicies { org: s(org) })
        }
        ["organization", org, "immutabilitypolicy", uuid]
            if registered.immutable_tags && named(org) && named(uuid) =>
        {
            ok(Route::ImmutabilityPolicy {
                org: s(org),
                uuid: s(uuid),
            })
        }
        ["repository"] => ok(Route::RepoList),
        ["user", ""] => ok(Route::User),
        ["user", "robots", robot, "federation"]
            if registered.user_robot_federation && named(robot) =>
        {
            ok(Route::UserRobotFederation { robot: s(robot) })
        }
        ["user"] => Matched::AddSlash(format!("{path}/")),
        ["users", name] if named(name) => ok(Route::Users { name: s(name) }),
        ["superuser", "organizations", ""] => ok(Route::SuperuserOrgs),
        ["superuser", "organizations"] => Matched::AddSlash(format!("{path}/")),
        ["superuser", "organizations", name] if named(name) => {
            ok(Route::SuperuserOrg { name: s(name) })
        }
        ["discovery"] => ok(Route::Discovery),
        _ => Matched::NotFound,
    }
}

/// `…/autoprunepolicy/` and `…/autoprunepolicy/{uuid}` of a repository (`rest` after
/// `/api/v1/repository/`), registered only with `FEATURE_AUTO_PRUNE`.
fn auto_prune_repository_route(rest: &str) -> Option<Route> {
    if let Some(repo) = rest.strip_suffix("/autoprunepolicy/") {
        return repo_path(repo).map(Route::RepoAutoPrunePolicies);
    }
    let (head, uuid) = rest.rsplit_once('/')?;
    let repo = head.strip_suffix("/autoprunepolicy").and_then(repo_path)?;
    (!uuid.is_empty()).then(|| Route::RepoAutoPrunePolicy(repo, uuid.to_string()))
}

/// `…/immutabilitypolicy/[{uuid}]` of a repository, registered only with
/// `FEATURE_IMMUTABLE_TAGS` (3.17+).
fn immutability_repository_route(rest: &str) -> Option<Route> {
    if let Some(repo) = rest.strip_suffix("/immutabilitypolicy/") {
        return repo_path(repo).map(Route::RepoImmutabilityPolicies);
    }
    let (head, uuid) = rest.rsplit_once('/')?;
    let repo = head
        .strip_suffix("/immutabilitypolicy")
        .and_then(repo_path)?;
    (!uuid.is_empty()).then(|| Route::RepoImmutabilityPolicy(repo, uuid.to_string()))
}

/// `rest` is the path after `/api/v1/repository/`. Without `repo_mirror` the mirror and
/// state routes are not registered: their paths name a repository `…/mirror` instead
/// (quay-api.md §1.1).
fn match_repository(rest: &str, full_path: &str, repo_mirror: bool) -> Matched {
    // Fixed suffixes first, longest first, so `…/mirror/sync-now` is not a repo named
    // `…/mirror/sync-now` and `…/mirror` is not a repo whose last segment is `mirror`.
    type Build = fn(RepoPath) -> Route;
    const SUFFIXES: [(&str, Build); 8] = [
        ("/mirror/sync-now", Route::MirrorSyncNow),
        ("/mirror/sync-cancel", Route::MirrorSyncCancel),
        ("/mirror", Route::Mirror),
        ("/changevisibility", Route::RepoVisibility),
        ("/changestate", Route::RepoState),
        ("/permissions/user/", Route::RepoUserPermissions),
        ("/permissions/team/", Route::RepoTeamPermissions),
        ("/notification/", Route::Notifications),
    ];
    const MIRROR_ONLY: [&str; 4] = [
        "/mirror/sync-now",
        "/mirror/sync-cancel",
        "/mirror",
        "/changestate",
    ];
    for (suffix, build) in SUFFIXES {
        if !repo_mirror && MIRROR_ONLY.contains(&suffix) {
            continue;
        }
        if let Some(repo) = rest.strip_suffix(suffix) {
            if let Some(repo) = repo_path(repo) {
                return Matched::Route(build(repo));
            }
        }
    }
    for suffix in ["/permissions/user", "/permissions/team", "/notification"] {
        if let Some(repo) = rest.strip_suffix(suffix) {
            if repo_path(repo).is_some() {
                return Matched::AddSlash(format!("{full_path}/"));
            }
        }
    }
    if let Some((head, last)) = rest.rsplit_once('/') {
        if last == "test" {
            if let Some((notification, uuid)) = head.rsplit_once('/') {
                if let Some(repo) = notification
                    .strip_suffix("/notification")
                    .and_then(repo_path)
                    .filter(|_| !uuid.is_empty())
                {
                    return Matched::Route(Route::NotificationTest(repo, uuid.to_string()));
                }
            }
        }
        if !last.is_empty() {
            type BuildNamed = fn(RepoPath, String) -> Route;
            const NAMED: [(&str, BuildNamed); 4] = [
                ("/permissions/user", Route::RepoUserPermission),
                ("/permissions/team", Route::RepoTeamPermission),
                ("/notification", Route::Notification),
                ("/authorizedemail", Route::AuthorizedEmail),
            ];
            for (suffix, build) in NAMED {
                if let Some(repo) = head.strip_suffix(suffix).and_then(repo_path) {
                    return Matched::Route(build(repo, last.to_string()));
                }
            }
        }
    }
    match repo_path(rest) {
        Some(repo) => Matched::Route(Route::Repo(repo)),
        None => Matched::NotFound,
    }
}

/// `namespace/name[/more]` with no empty segment (Quay's `apirepopath` converter).
fn repo_path(raw: &str) -> Option<RepoPath> {
    let (namespace, name) = raw.split_once('/')?;
    if namespace.is_empty() || name.split('/').any(str::is_empty) {
        return None;
    }
    Some(RepoPath {
        namespace: namespace.to_string(),
        name: name.to_string(),
    })
}

/// werkzeug decodes `%XX` escapes before matching (`+` stays a literal `+`).
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(ns: &str, name: &str) -> RepoPath {
        RepoPath {
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn nested_repositories_and_suffixes() {
        assert_eq!(
            match_path(
                "/api/v1/repository/org/nested/demorepo",
                Registered::default()
            ),
            Matched::Route(Route::Repo(repo("org", "nested/demorepo")))
        );
        assert_eq!(
            match_path("/api/v1/repository/org/a/mirror", Registered::default()),
            Matched::Route(Route::Mirror(repo("org", "a")))
        );
        assert_eq!(
            match_path(
                "/api/v1/repository/org/a/b/permissions/user/org+bot",
                Registered::default()
            ),
            Matched::Route(Route::RepoUserPermission(
                repo("org", "a/b"),
                "org+bot".into()
            ))
        );
        assert_eq!(
            match_path(
                "/api/v1/repository/org/a/permissions/user",
                Registered::default()
            ),
            Matched::AddSlash("/api/v1/repository/org/a/permissions/user/".into())
        );
        assert_eq!(
            match_path("/api/v1/repository/org/a/", Registered::default()),
            Matched::NotFound
        );
        assert_eq!(
            match_path("/api/v1/repository/org", Registered::default()),
            Matched::NotFound
        );
        assert_eq!(
            match_path(
                "/api/v1/repository/org/a/mirror/sync-now",
                Registered::default()
            ),
            Matched::Route(Route::MirrorSyncNow(repo("org", "a")))
        );
    }

    #[test]
    fn trailing_slashes() {
        assert_eq!(
            match_path("/api/v1/organization", Registered::default()),
            Matched::AddSlash("/api/v1/organization/".into())
        );
        assert_eq!(
            match_path("/api/v1/organization/x/", Registered::default()),
            Matched::NotFound
        );
        assert_eq!(
            match_path("/api/v1/repository/", Registered::default()),
            Matched::NotFound
        );
        assert_eq!(
            match_path("/api/v1/nothing", Registered::default()),
            Matched::NotFound
        );
        assert_eq!(
            match_path(
                "/api/v1/organization/o/team/t/syncing",
                Registered::default()
            ),
            Matched::Route(Route::TeamSyncingAbsent)
        );
    }

    #[test]
    fn feature_gated_routes_fall_through_when_off() {
        let off = Registered {
            team_syncing: false,
            repo_mirror: false,
            auto_prune: false,
            immutable_tags: false,
            quota: false,
            robot_federation: false,
            user_robot_federation: false,
        };
        assert_eq!(
            match_path("/api/v1/organization/o/quota", off),
            Matched::NotFound
        );
        assert_eq!(
            match_path("/api/v1/repository/org/a/mirror", off),
            Matched::Route(Route::Repo(repo("org", "a/mirror")))
        );
        assert_eq!(
            match_path("/api/v1/repository/org/a/mirror/sync-now", off),
            Matched::Route(Route::Repo(repo("org", "a/mirror/sync-now")))
        );
        assert_eq!(
            match_path("/api/v1/repository/org/a/changestate", off),
            Matched::Route(Route::Repo(repo("org", "a/changestate")))
        );
        assert_eq!(match_path("/config", off), Matched::Route(Route::WebConfig));
        let listed = |registered| {
            Route::all(registered)
                .iter()
                .map(|r| r.info().template)
                .collect::<Vec<_>>()
        };
        assert!(!listed(off).contains(&"/api/v1/repository/{repository}/mirror"));
        assert!(listed(Registered::default()).contains(&"/api/v1/repository/{repository}/mirror"));
        assert!(!listed(off).contains(&"/config"), "not an API route");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%2Bb+c%zz%4"), "/a+b+c%zz%4");
    }
}
