//! The `/_sim/state` document (the same JSON as `QuaySim::state`), and tag seeding.

use serde_json::{json, Map, Value};

use crate::api::mirror_view;
use crate::config::QuayVersion;
use crate::model::{Delegate, State};

/// The whole state; the shape is a contract other crates' tests parse (see README).
pub fn state_json(state: &State) -> Value {
    let organizations: Map<String, Value> = state
        .organizations
        .iter()
        .map(|(name, org)| {
            let robots: Map<String, Value> = org
                .robots
                .iter()
                .map(|(short, r)| {
                    (
                        short.clone(),
                        json!({
                            "description": r.description,
                            "token": r.token,
                            "federation": crate::api::federation_view(&r.federation),
                        }),
                    )
                })
                .collect();
            let teams: Map<String, Value> = org
                .teams
                .iter()
                .map(|(team_name, t)| {
                    (
                        team_name.clone(),
                        json!({
                            "role": t.role.as_str(),
                            "description": t.description,
                            "members": t.members,
                            "invites": t.invites,
                            "group_dn": t.group_dn(),
                            "sync": t.sync,
                        }),
                    )
                })
                .collect();
            let repositories: Map<String, Value> = org
                .repositories
                .iter()
                .map(|(repo_name, r)| {
                    let mirror = r.mirror.as_ref().map(|m| {
                        // Every field a GET shows (in its newest form) plus the password, so
                        // tests can check what was sent.
                        let mut view = mirror_view(QuayVersion::Head, r, m);
                        view["external_registry_password"] = json!(m.password);
                        view
                    });
                    let notifications: Vec<Value> = r
                        .notifications
                        .iter()
                        .map(|n| {
                            json!({
                                "uuid": n.uuid,
                                "event": n.event,
                                "method": n.method,
                                "config": n.config,
                                "event_config": n.event_config,
                                "title": n.title,
                                "number_of_failures": n.number_of_failures,
                            })
                        })
                        .collect();
                    let user_permissions: Map<String, Value> = r
                        .user_permissions
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v.as_str())))
                        .collect();
                    let team_permissions: Map<String, Value> = r
                        .team_permissions
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v.as_str())))
                        .collect();
                    (
                        repo_name.clone(),
                        json!({
                            "immutability": org.immutability.iter().filter(|p| p.repository == Some(r.id)).map(crate::api::immutability_view).collect::<Vec<_>>(),
                            "auto_prune": org.auto_prune.iter().filter(|p| p.repository == Some(r.id)).map(crate::api::policy_view).collect::<Vec<_>>(),
                            "id": r.id,
                            "description": r.description,
                            "visibility": if r.public { "public" } else { "private" },
                            "state": r.state.as_str(),
                            "tags": r.tags,
                            "user_permissions": user_permissions,
                            "team_permissions": team_permissions,
                            "mirror": mirror,
                            "notifications": notifications,
                            "authorized_emails": r.authorized_emails,
                            "confirmation_mails": r.confirmation_mails,
                        }),
                    )
                })
                .collect();
            let prototypes: Vec<Value> = org
                .prototypes
                .iter()
                .map(|p| {
                    let (kind, delegate) = match &p.delegate {
                        Delegate::User(name) => ("user", name),
                        Delegate::Team(name) => ("team", name),
                    };
                    json!({
                        "id": p.uuid,
                        "role": p.role.as_str(),
                        "activating_user": p.activating_user,
                        "delegate": {"kind": kind, "name": delegate},
                    })
                })
                .collect();
            (
                name.clone(),
                json!({
                    "id": org.id,
                    "email": org.email,
                    "robots": robots,
                    "teams": teams,
                    "repositories": repositories,
                    "prototypes": prototypes,
                    "tag_expiration_s": org.tag_expiration_s,
                    "quota": org.quota.as_ref().map(|q| json!({
                        "id": q.id,
                        "limit_bytes": q.limit_bytes,
                        "limits": q.limits.iter().map(|l| json!({
                            "id": l.id,
                            "type": l.kind,
                            "threshold_percent": l.percent,
                        })).collect::<Vec<_>>(),
                    })),
                    "immutability": org.immutability.iter().filter(|p| p.repository.is_none()).map(crate::api::immutability_view).collect::<Vec<_>>(),
                    "auto_prune": org.auto_prune.iter().filter(|p| p.repository.is_none()).map(crate::api::policy_view).collect::<Vec<_>>(),
                }),
            )
        })
        .collect();
    json!({
        "users": state.users.keys().collect::<Vec<_>>(),
        "organizations": organizations,
    })
}

/// Adds `count` tags to a repository; returns the new total, `None` if it does not exist.
pub fn add_tags(state: &mut State, namespace: &str, name: &str, count: u64) -> Option<u64> {
    let repo = state.repository_mut(namespace, name)?;
    repo.tags = repo.tags.saturating_add(count);
    Some(repo.tags)
}
