//! `GET /api/v1/discovery` (`endpoints/api/discovery.py`): a Swagger 2.0 document listing the
//! routes registered on this instance and the request schemas of the emulated version, so a
//! client can detect capabilities (mirroring, team syncing, the mirror fields it must send).

use http::Method;
use serde_json::{json, Map, Value};

use super::{
    auto_prune, immutability, mirror, notifications, organizations, permissions, prototypes,
    repositories, robots, teams, Cx,
};
use crate::config::Scope;
use crate::model::State;
use crate::reply::Reply;
use crate::routes::{Registered, Route};
use crate::schema::Schema;

/// The request-body definition of an operation: Quay's schema name and the schema.
fn body_definition(state: &State, operation_id: &str) -> Option<(&'static str, Schema)> {
    let version = state.version;
    Some(match operation_id {
        "createOrganization" => ("NewOrg", organizations::new_org_schema(version)),
        "changeOrganizationDetails" => ("UpdateOrg", organizations::update_org_schema(version)),
        "createOrgRobot" => ("CreateRobot", robots::create_robot_schema()),
        "createOrgRobotFederation" => ("CreateRobotFederation", robots::federation_schema()),
        "updateOrganizationTeam" => ("TeamDescription", teams::team_schema()),
        "createRepo" => ("NewRepo", repositories::new_repo_schema()),
        "updateRepo" => ("RepoUpdate", repositories::update_repo_schema()),
        "changeRepoVisibility" => ("ChangeVisibility", repositories::visibility_schema()),
        "changeRepoState" => ("ChangeRepoState", repositories::state_schema()),
        "changeUserPermissions" => (
            "UserPermission",
            permissions::role_schema("Description of a user permission."),
        ),
        "changeTeamPermissions" => (
            "TeamPermission",
            permissions::role_schema("Description of a team permission."),
        ),
        "createRepoMirrorConfig" => (
            "CreateMirrorConfig",
            mirror::mirror_schema(version, true, true),
        ),
        "changeRepoMirrorConfig" => (
            "UpdateMirrorConfig",
            mirror::mirror_schema(version, false, true),
        ),
        "createRepoNotification" => ("NotificationCreateRequest", notifications::create_schema()),
        "createOrganizationAutoPrunePolicy"
        | "updateOrganizationAutoPrunePolicy"
        | "createRepositoryAutoPrunePolicy"
        | "updateRepositoryAutoPrunePolicy" => {
            ("AutoPrunePolicyConfig", auto_prune::policy_schema(version))
        }
        "createOrgImmutabilityPolicy"
        | "updateOrgImmutabilityPolicy"
        | "createRepositoryImmutabilityPolicy"
        | "updateRepositoryImmutabilityPolicy" => {
            ("ImmutabilityPolicyConfig", immutability::policy_schema())
        }
        "createOrganizationPrototypePermission" => {
            ("NewPrototype", prototypes::new_prototype_schema())
        }
        "updateOrganizationPrototypePermission" => {
            ("PrototypeUpdate", prototypes::update_prototype_schema())
        }
        _ => return None,
    })
}

pub fn document(state: &mut State, cx: &Cx) -> Reply {
    let internal = cx.req.query_bool("internal", false);
    let mut paths = Map::new();
    let mut definitions = Map::new();
    let registered = Registered {
        team_syncing: state.team_syncing,
        repo_mirror: state.repo_mirror,
        quota: state.quota_management,
        auto_prune: state.auto_prune,
        immutable_tags: state.immutable_tags,
        robot_federation: state.robot_federation,
        user_robot_federation: state.user_robot_federation,
    };
    for route in Route::all(registered) {
        let info = route.info();
        if info.internal && !internal {
            continue;
        }
        let mut operations = Map::new();
        for (method, operation_id, scope) in info.operations {
            let mut operation = json!({
                "operationId": operation_id,
                "parameters": [],
                "responses": {},
            });
            if let Some(scope) = scope {
                operation["security"] = json!([{ "oauth2_implicit": [scope] }]);
            }
            if let Some((name, schema)) = body_definition(state, operation_id) {
                operation["parameters"] = json!([{
                    "in": "body",
                    "name": "body",
                    "required": true,
                    "schema": {"$ref": format!("#/definitions/{name}")},
                }]);
                definitions.insert(name.to_string(), schema.to_json());
            }
            operations.insert(method_key(method).to_string(), operation);
        }
        paths.insert(info.swagger_path.to_string(), Value::Object(operations));
    }
    let scopes: Map<String, Value> = Scope::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), json!(s.as_str())))
        .collect();
    let host = cx
        .base()
        .split_once("://")
        .map_or(cx.base(), |(_, host)| host);
    Reply::json(
        200,
        &json!({
            "swagger": "2.0",
            "host": host,
            "basePath": "/",
            "schemes": [cx.base().split("://").next().unwrap_or("http")],
            "info": {
                "version": "v1",
                "title": "Quay Frontend",
                "description": format!("quay-sim emulating Quay {}", state.version),
            },
            "paths": paths,
            "definitions": definitions,
            "securityDefinitions": {
                "oauth2_implicit": {
                    "type": "oauth2",
                    "flow": "implicit",
                    "authorizationUrl": format!("{}/oauth/authorize", cx.base()),
                    "scopes": scopes,
                }
            },
        }),
    )
}

fn method_key(method: &Method) -> &'static str {
    match *method {
        Method::GET => "get",
        Method::POST => "post",
        Method::PUT => "put",
        Method::DELETE => "delete",
        _ => "other",
    }
}
