//! Quay API v1 handlers. `handle` applies the checks every request goes through in Quay's
//! order (quay-api.md §14: route → method → CSRF for writes without a valid token), then the
//! endpoint's own checks, each family in its own module.

mod auto_prune;
mod discovery;
mod frontend;
mod identity;
mod immutability;
mod mirror;
mod notifications;
mod organizations;
mod permissions;
mod prototypes;
mod quota;
pub(crate) use auto_prune::policy_view;
pub(crate) use immutability::policy_view as immutability_view;
pub(crate) use robots::federation_view;
mod repositories;
mod robots;
mod teams;

use http::Method;
use serde_json::{json, Map, Value};

use crate::auth::Caller;
use crate::model::State;
use crate::reply::Reply;
use crate::routes::{RepoPath, Route};
use crate::schema::Schema;

/// One API request as the handlers see it: path already matched, body fully read.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The bearer token, if any.
    pub token: Option<String>,
    /// `scheme://host[:port]` as the client addressed the server (for error `type` URLs).
    pub base_url: String,
}

impl ApiRequest {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Quay's truthy query booleans: only `false`, `0`, `null` and `""` (any case) are false.
    pub fn query_bool(&self, name: &str, default: bool) -> bool {
        match self.query(name) {
            None => default,
            Some(value) => !matches!(
                value.to_ascii_lowercase().as_str(),
                "false" | "0" | "null" | ""
            ),
        }
    }

    /// An integer query argument; a value that does not parse answers 400 [M] with the
    /// argument's help text as Flask-RESTful's reqparse does.
    pub fn query_int(&self, name: &str, help: &str) -> Result<Option<i64>, Reply> {
        match self.query(name) {
            None => Ok(None),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Reply::message(400, json!({ name: help }))),
        }
    }
}

/// A request on its way through one handler.
pub struct Cx<'a> {
    pub req: &'a ApiRequest,
    pub caller: Option<Caller>,
}

impl Cx<'_> {
    pub fn base(&self) -> &str {
        &self.req.base_url
    }

    /// The refusal for a failed permission check: 401 without a user, 403 with one.
    pub fn deny(&self) -> Reply {
        match self.caller {
            None => Reply::unauthenticated(self.base()),
            Some(_) => Reply::forbidden(self.base()),
        }
    }

    pub fn invalid(&self, message: &str) -> Reply {
        Reply::invalid(message, self.base())
    }

    /// Whether the caller may administer the organization (owner, admin team, superuser).
    pub fn is_org_admin(&self, state: &State, org: &str) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| c.is_org_admin(state, org))
    }

    /// Whether the caller may administer the repository.
    pub fn is_repo_admin(&self, state: &State, path: &RepoPath) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| c.can_admin_repo(state, &path.namespace, &path.name))
    }

    pub fn not_found(&self) -> Reply {
        Reply::not_found(self.base())
    }

    pub fn user(&self) -> Option<&str> {
        self.caller.as_ref().map(|c| c.user.as_str())
    }

    /// The request body for an endpoint that requires one, checked against its schema:
    /// 415 [M] without a JSON content type, 400 [M] for malformed JSON, 400 [A] for `null`
    /// or a schema violation.
    pub fn body(&self, schema: &Schema) -> Result<Value, Reply> {
        self.read_body(schema, false)
            .map(|body| body.unwrap_or(Value::Null))
    }

    /// The body of an endpoint whose body may be absent (robot PUT): `None` when empty.
    pub fn optional_body(&self, schema: &Schema) -> Result<Option<Value>, Reply> {
        self.read_body(schema, true)
    }

    fn read_body(&self, schema: &Schema, optional: bool) -> Result<Option<Value>, Reply> {
        if optional && self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let is_json = self.req.content_type.as_deref().is_some_and(|ct| {
            let mime = ct.split(';').next().unwrap_or_default().trim();
            mime.eq_ignore_ascii_case("application/json")
        });
        if !is_json {
            return Err(Reply::message(
                415,
                "Did not attempt to load JSON data because the request Content-Type was not \
                 'application/json'.",
            ));
        }
        let value: Value = serde_json::from_slice(&self.req.body).map_err(|_| {
            Reply::message(
                400,
                "The browser (or proxy) sent a request that this server could not understand.",
            )
        })?;
        if value.is_null() {
            if optional {
                return Ok(None);
            }
            return Err(self.invalid("Missing JSON body"));
        }
        schema
            .validate(&value)
            .map_err(|detail| self.invalid(&detail))?;
        Ok(Some(value))
    }
}

/// Answers one matched API request.
pub fn handle(state: &mut State, route: &Route, req: &ApiRequest) -> Reply {
    if let Some(fallback) = crate::routes::repository_fallback(route, &req.method) {
        return handle(state, &fallback, req);
    }
    if !route.allows(&req.method) {
        // The unregistered team-syncing route's 405 is werkzeug's HTML page on the real server
        // (team syncing off); routes that exist answer Flask-RESTful's [M]. (Requests that
        // Quay's web catch-all takes never get here: `routes::catch_all`.)
        return match route {
            Route::TeamSyncingAbsent | Route::WebConfig => Reply::html_method_not_allowed(),
            _ => Reply::method_not_allowed(),
        };
    }
    let caller = Caller::from_token(state, req.token.as_deref());
    if req.method != Method::GET && caller.is_none() {
        return Reply::csrf();
    }
    let cx = Cx { req, caller };
    let method = &req.method;
    match route {
        Route::OrgList => organizations::create(state, &cx),
        Route::Org { org } => match *method {
            Method::GET => organizations::get(state, &cx, org),
            Method::PUT => organizations::update(state, &cx, org),
            _ => organizations::delete(state, &cx, org),
        },
        Route::Robots { org } => robots::list(state, &cx, org),
        Route::Robot { org, robot } => match *method {
            Method::GET => robots::get(state, &cx, org, robot),
            Method::PUT => robots::create(state, &cx, org, robot),
            _ => robots::delete(state, &cx, org, robot),
        },
        Route::RobotPermissions { org, robot } => robots::permissions(state, &cx, org, robot),
        Route::RobotFederation { org, robot } => match *method {
            Method::GET => robots::federation(state, &cx, org, robot),
            Method::POST => robots::set_federation(state, &cx, org, robot),
            _ => robots::delete_federation(state, &cx, org, robot),
        },
        Route::UserRobotFederation { .. } => robots::user_robot_federation(&cx),
        Route::Team { org, team } => match *method {
            Method::PUT => teams::upsert(state, &cx, org, team),
            _ => teams::delete(state, &cx, org, team),
        },
        Route::TeamMembers { org, team } => teams::members(state, &cx, org, team),
        Route::TeamMember { org, team, member } => match *method {
            Method::PUT => teams::add_member(state, &cx, org, team, member),
            _ => teams::remove_member(state, &cx, org, team, member),
        },
        Route::TeamSyncing { org, team } => match *method {
            Method::POST => teams::enable_sync(state, &cx, org, team),
            _ => teams::disable_sync(state, &cx, org, team),
        },
        Route::TeamSyncingAbsent => Reply::html_method_not_allowed(),
        Route::TeamPermissions { org, team } => teams::permissions(state, &cx, org, team),
        Route::Prototypes { org } => match *method {
            Method::GET => prototypes::list(state, &cx, org),
            _ => prototypes::create(state, &cx, org),
        },
        Route::Prototype { org, id } => match *method {
            Method::PUT => prototypes::update(state, &cx, org, id),
            _ => prototypes::delete(state, &cx, org, id),
        },
        Route::Quotas { org } => match *method {
            Method::GET => quota::list(state, &cx, org),
            _ => quota::create(state, &cx, org),
        },
        Route::Quota { org, id } => match *method {
            Method::GET => quota::get(state, &cx, org, id),
            Method::PUT => quota::update(state, &cx, org, id),
            _ => quota::delete(state, &cx, org, id),
        },
        Route::QuotaLimits { org, id } => match *method {
            Method::GET => quota::list_limits(state, &cx, org, id),
            _ => quota::create_limit(state, &cx, org, id),
        },
        Route::QuotaLimit { org, id, limit } => match *method {
            Method::GET => quota::get_limit(state, &cx, org, id, limit),
            _ => quota::delete_limit(state, &cx, org, id, limit),
        },
        Route::AutoPrunePolicies { org } => auto_prune::org_list(state, &cx, org),
        Route::AutoPrunePolicy { org, uuid } => auto_prune::org_item(state, &cx, org, uuid),
        Route::RepoAutoPrunePolicies(repo) => auto_prune::repo_list(state, &cx, repo),
        Route::RepoAutoPrunePolicy(repo, uuid) => auto_prune::repo_item(state, &cx, repo, uuid),
        Route::ImmutabilityPolicies { org } => immutability::org_list(state, &cx, org),
        Route::ImmutabilityPolicy { org, uuid } => immutability::org_item(state, &cx, org, uuid),
        Route::RepoImmutabilityPolicies(repo) => immutability::repo_list(state, &cx, repo),
        Route::RepoImmutabilityPolicy(repo, uuid) => {
            immutability::repo_item(state, &cx, repo, uuid)
        }
        Route::RepoList => match *method {
            Method::GET => repositories::list(state, &cx),
            _ => repositories::create(state, &cx),
        },
        Route::Repo(repo) => match *method {
            Method::GET => repositories::get(state, &cx, repo),
            Method::PUT => repositories::update(state, &cx, repo),
            _ => repositories::delete(state, &cx, repo),
        },
        Route::RepoVisibility(repo) => repositories::change_visibility(state, &cx, repo),
        Route::RepoState(repo) => repositories::change_state(state, &cx, repo),
        Route::RepoUserPermissions(repo) => permissions::list_users(state, &cx, repo),
        Route::RepoUserPermission(repo, user) => match *method {
            Method::GET => permissions::get_user(state, &cx, repo, user),
            Method::PUT => permissions::set_user(state, &cx, repo, user),
            _ => permissions::delete_user(state, &cx, repo, user),
        },
        Route::RepoTeamPermissions(repo) => permissions::list_teams(state, &cx, repo),
        Route::RepoTeamPermission(repo, team) => match *method {
            Method::GET => permissions::get_team(state, &cx, repo, team),
            Method::PUT => permissions::set_team(state, &cx, repo, team),
            _ => permissions::delete_team(state, &cx, repo, team),
        },
        Route::Mirror(repo) => match *method {
            Method::GET => mirror::get(state, &cx, repo),
            Method::POST => mirror::create(state, &cx, repo),
            _ => mirror::update(state, &cx, repo),
        },
        Route::MirrorSyncNow(repo) => mirror::sync_now(state, &cx, repo),
        Route::MirrorSyncCancel(repo) => mirror::sync_cancel(state, &cx, repo),
        Route::Notifications(repo) => match *method {
            Method::GET => notifications::list(state, &cx, repo),
            _ => notifications::create(state, &cx, repo),
        },
        Route::Notification(repo, uuid) => match *method {
            Method::GET => notifications::get(state, &cx, repo, uuid),
            Method::POST => notifications::reset(state, &cx, repo, uuid),
            _ => notifications::delete(state, &cx, repo, uuid),
        },
        Route::NotificationTest(repo, uuid) => notifications::test(state, &cx, repo, uuid),
        Route::AuthorizedEmail(repo, email) => match *method {
            Method::GET => notifications::get_authorized_email(state, &cx, repo, email),
            _ => notifications::authorize_email(state, &cx, repo, email),
        },
        Route::User => identity::current_user(state, &cx),
        Route::Users { name } => identity::user(state, &cx, name),
        Route::SuperuserOrgs => organizations::superuser_list(state, &cx),
        Route::SuperuserOrg { name } => organizations::superuser_delete(state, &cx, name),
        Route::Discovery => discovery::document(state, &cx),
        Route::WebConfig => frontend::config(state, &cx),
    }
}

pub use mirror::mirror_view;

/// Avatar object (quay-api.md §1.10): stable values with the right `kind`.
pub fn avatar(name: &str, kind: &str) -> Value {
    // A cheap stable hash: clients are told to ignore avatars.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    json!({
        "name": name,
        "hash": format!("{hash:016x}{hash:016x}{hash:016x}{hash:016x}"),
        "color": format!("#{:06x}", hash & 0xFF_FFFF),
        "kind": kind,
    })
}

/// An opaque `next_page` token naming the last id of the page served. Quay encrypts its
/// tokens; a token that does not decode restarts at the first page, as in Quay.
/// One page of a paginated list (Quay's `next_page` tokens): `items` are (id, JSON entry); the
/// page holds up to `size` entries after the id in the request's `next_page`, under `key`, and
/// a `next_page` token when more follow.
pub fn paginate(cx: &Cx, key: &str, mut items: Vec<(u64, Value)>, size: usize) -> Reply {
    items.sort_by_key(|(id, _)| *id);
    let after = cx.req.query("next_page").and_then(decode_page);
    let start = after.map_or(0, |id| items.partition_point(|(i, _)| *i <= id));
    let page: Vec<&(u64, Value)> = items[start..].iter().take(size).collect();
    let mut body = Map::new();
    body.insert(
        key.into(),
        json!(page.iter().map(|(_, e)| e).collect::<Vec<_>>()),
    );
    if start + page.len() < items.len() {
        if let Some((last, _)) = page.last() {
            body.insert("next_page".into(), json!(encode_page(*last)));
        }
    }
    Reply::json(200, &Value::Object(body))
}

pub fn encode_page(last_id: u64) -> String {
    format!("qsim{:x}g{:x}", last_id, page_check(last_id))
}

pub fn decode_page(token: &str) -> Option<u64> {
    let (id, check) = token.strip_prefix("qsim")?.split_once('g')?;
    let id = u64::from_str_radix(id, 16).ok()?;
    (u64::from_str_radix(check, 16).ok()? == page_check(id)).then_some(id)
}

fn page_check(id: u64) -> u64 {
    id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40
}
