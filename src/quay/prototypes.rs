//! Default permissions, Quay's "prototypes": `/api/v1/organization/{org}/prototypes[/{id}]`.
//! Quay grants them on repositories created afterwards, never on existing ones. It has no
//! duplicate check (a repeated create makes a second prototype) and can change only the role
//! in place; another delegate or activating user means delete and create.
//!
//! The wire types stay in this module: callers see [`DefaultPermission`]. Quay has no robot
//! kind: a robot delegate travels as the user `org+short` and is read back as
//! [`Delegate::Robot`] when it is a robot of this organization.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{DefaultPermission, Delegate, Role};

/// One prototype as Quay lists it. `role` and `kind` are read as text so that a value this
/// version of mqc does not know skips that entry instead of making the organization unreadable.
#[derive(Deserialize)]
struct PrototypeView {
    id: String,
    role: String,
    #[serde(default)]
    activating_user: Option<AccountView>,
    delegate: DelegateView,
}

#[derive(Deserialize)]
struct AccountView {
    name: String,
}

#[derive(Deserialize)]
struct DelegateView {
    name: String,
    kind: String,
    #[serde(default)]
    is_robot: Option<bool>,
}

#[derive(Deserialize)]
struct PrototypeList {
    #[serde(default)]
    prototypes: Vec<PrototypeView>,
}

/// The answer to a create: only its id is needed.
#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Serialize)]
struct NewPrototype<'a> {
    role: Role,
    delegate: DelegateBody<'a>,
    /// Omitted for "any creator": Quay's schema refuses `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    activating_user: Option<NameBody<'a>>,
}

#[derive(Serialize)]
struct DelegateBody<'a> {
    kind: &'static str,
    name: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
struct NameBody<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct RoleBody {
    role: Role,
}

pub struct Prototypes<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn prototypes<'c>(&'c self, org: &'c str) -> Prototypes<'c> {
        Prototypes { client: self, org }
    }
}

impl Prototypes<'_> {
    fn base(&self) -> String {
        format!("{}/prototypes", paths::org(self.org))
    }

    fn item(&self, id: &str) -> String {
        format!("{}/{}", self.base(), paths::seg(id))
    }

    /// Every default permission of the organization in Quay's order (duplicates kept), each
    /// with its `id`; `None` when the organization does not exist (404). An entry whose role or
    /// delegate kind this mqc does not know is left out with a warning: mqc neither reads nor
    /// changes it.
    pub async fn list(&self) -> Result<Option<Vec<DefaultPermission>>, QuayError> {
        let list: PrototypeList = match self.client.send(Call::get(self.base())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut permissions = Vec::with_capacity(list.prototypes.len());
        for view in list.prototypes {
            match from_view(self.org, &view) {
                Ok(permission) => permissions.push(permission),
                Err(odd) => tracing::warn!(
                    target: "mqc::quay",
                    "{}: GET {}: organization {}: default permission {} left alone: {odd} \
                     unknown to this mqc",
                    self.client.endpoint_name(),
                    self.base(),
                    self.org,
                    view.id,
                ),
            }
        }
        Ok(Some(permissions))
    }

    /// Creates the default permission (its `id` is ignored) and returns it with Quay's id.
    /// Not repeatable: Quay would make a duplicate (see [`QuayError::is_ambiguous`]).
    pub async fn create(
        &self,
        permission: &DefaultPermission,
    ) -> Result<DefaultPermission, QuayError> {
        let delegate = match &permission.delegate {
            Delegate::User(name) => DelegateBody {
                kind: "user",
                name: name.as_str().into(),
            },
            Delegate::Robot(short) => DelegateBody {
                kind: "user",
                name: paths::robot_full_name(self.org, short).into(),
            },
            Delegate::Team(name) => DelegateBody {
                kind: "team",
                name: name.as_str().into(),
            },
        };
        let body = NewPrototype {
            role: permission.role,
            delegate,
            activating_user: permission
                .activating_user
                .as_deref()
                .map(|name| NameBody { name }),
        };
        let created: Created = self
            .client
            .send(Call::post(self.base()).json(&body))
            .await?
            .json()?;
        Ok(DefaultPermission {
            id: Some(created.id),
            ..permission.clone()
        })
    }

    /// Changes the role of the prototype `id` (repeatable). A prototype that is gone is an
    /// error (404): there is nothing left to change.
    pub async fn set_role(&self, id: &str, role: Role) -> Result<(), QuayError> {
        self.client
            .send(Call::put(self.item(id)).json(&RoleBody { role }))
            .await
            .map(drop)
    }

    /// Deletes the prototype `id`; one that is already gone (404, e.g. a retried DELETE that
    /// met its own effect) is not an error.
    pub async fn delete(&self, id: &str) -> Result<(), QuayError> {
        self.client.delete_by_id(self.item(id)).await
    }
}

/// The model's view of one listed prototype, or what made it unreadable.
fn from_view(org: &str, view: &PrototypeView) -> Result<DefaultPermission, String> {
    let role = match view.role.as_str() {
        "read" => Role::Read,
        "write" => Role::Write,
        "admin" => Role::Admin,
        other => return Err(format!("role `{other}`")),
    };
    let name = &view.delegate.name;
    let delegate = match view.delegate.kind.as_str() {
        "team" => Delegate::Team(name.clone()),
        "user" => {
            // User names cannot contain `+`: only robots have one.
            let is_robot = view.delegate.is_robot.unwrap_or_else(|| name.contains('+'));
            match paths::robot_short_name(org, name) {
                Some(short) if is_robot => Delegate::Robot(short.to_string()),
                // A robot of another organization (Quay does not check) stays a user by its
                // full name, which is also how it is sent back.
                _ => Delegate::User(name.clone()),
            }
        }
        other => return Err(format!("delegate kind `{other}`")),
    };
    Ok(DefaultPermission {
        role,
        delegate,
        activating_user: view.activating_user.as_ref().map(|a| a.name.clone()),
        id: Some(view.id.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(value: serde_json::Value) -> PrototypeView {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_quay_examples() {
        let team = view(json!({
            "id": "7d6c", "role": "read", "activating_user": null,
            "delegate": {"name": "devs", "kind": "team", "avatar": {}}
        }));
        assert_eq!(
            from_view("acme", &team).unwrap(),
            DefaultPermission {
                role: Role::Read,
                delegate: Delegate::Team("devs".into()),
                activating_user: None,
                id: Some("7d6c".into()),
            }
        );
        let robot = view(json!({
            "id": "1", "role": "write",
            "activating_user": {"name": "alice", "is_robot": false, "kind": "user",
                                "is_org_member": true, "avatar": {}},
            "delegate": {"name": "acme+ci", "is_robot": true, "kind": "user",
                         "is_org_member": true, "avatar": {}}
        }));
        let robot = from_view("acme", &robot).unwrap();
        assert_eq!(robot.delegate, Delegate::Robot("ci".into()));
        assert_eq!(robot.activating_user.as_deref(), Some("alice"));
        let foreign = view(json!({
            "id": "2", "role": "admin",
            "delegate": {"name": "other+ci", "is_robot": true, "kind": "user"}
        }));
        assert_eq!(
            from_view("acme", &foreign).unwrap().delegate,
            Delegate::User("other+ci".into())
        );
        // `acmex+ci` is not a robot of `acme`.
        let prefix = view(json!({
            "id": "3", "role": "admin",
            "delegate": {"name": "acmex+ci", "is_robot": true, "kind": "user"}
        }));
        assert_eq!(
            from_view("acme", &prefix).unwrap().delegate,
            Delegate::User("acmex+ci".into())
        );
    }

    #[test]
    fn unknown_role_or_kind_is_reported_not_fatal() {
        let role = view(json!({"id": "1", "role": "owner",
                               "delegate": {"name": "devs", "kind": "team"}}));
        assert_eq!(from_view("acme", &role).unwrap_err(), "role `owner`");
        let kind = view(json!({"id": "1", "role": "read",
                               "delegate": {"name": "x", "kind": "group"}}));
        assert_eq!(
            from_view("acme", &kind).unwrap_err(),
            "delegate kind `group`"
        );
    }

    #[test]
    fn create_body_omits_a_missing_activating_user_and_names_robots_in_full() {
        let body = serde_json::to_value(NewPrototype {
            role: Role::Write,
            delegate: DelegateBody {
                kind: "user",
                name: paths::robot_full_name("acme", "ci").into(),
            },
            activating_user: None,
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"role": "write", "delegate": {"kind": "user", "name": "acme+ci"}})
        );
    }
}
