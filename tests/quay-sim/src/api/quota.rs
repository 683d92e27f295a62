//! Organization quotas (`endpoints/api/namespacequota.py`, `data/model/namespacequota.py`),
//! registered only with `FEATURE_QUOTA_MANAGEMENT` (`--disable-feature QUOTA_MANAGEMENT`
//! removes every route: 404). One quota per organization with any number of limits. Reads:
//! org members and superusers. Writes: superusers only, and from 3.16 (3.17 and `head` here)
//! only with `FEATURE_SUPERUSERS_FULL_ACCESS` (`--disable-feature SUPERUSERS_FULL_ACCESS`).
//! Not modelled: the `/superuser/…/quota` aliases, limit PUT, the system default quota,
//! usage and enforcement.

use serde_json::{json, Value};

use super::Cx;
use crate::config::QuayVersion;
use crate::model::{Quota, QuotaLimit, State};
use crate::reply::Reply;
use crate::schema::Schema;

fn quota_schema() -> Schema {
    Schema::object(
        "Description of a new organization quota",
        vec![
            ("limit_bytes", Schema::Integer { minimum: None }),
            ("limit", Schema::string()),
        ],
        vec![],
    )
}

fn limit_schema() -> Schema {
    Schema::object(
        "Description of a new organization quota limit",
        vec![
            ("type", Schema::string()),
            ("threshold_percent", Schema::Integer { minimum: None }),
        ],
        vec!["type", "threshold_percent"],
    )
}

/// `10.0 GiB`: Quay's display string (binary prefix, one decimal).
fn display(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

fn limit_view(limit: &QuotaLimit) -> Value {
    json!({"id": limit.id, "type": limit.kind, "limit_percent": limit.percent})
}

fn quota_view(quota: &Quota) -> Value {
    json!({
        "id": quota.id,
        "limit_bytes": quota.limit_bytes,
        "limit": display(quota.limit_bytes),
        "default_config": false,
        "limits": quota.limits.iter().map(limit_view).collect::<Vec<_>>(),
        "default_config_exists": false,
    })
}

fn may_read(state: &State, cx: &Cx, org: &str) -> bool {
    cx.caller
        .as_ref()
        .is_some_and(|c| c.is_super() || c.is_org_member(state, org))
}

/// A superuser, with full access from 3.16.
fn may_write(state: &State, cx: &Cx) -> bool {
    let full_access_needed = state.version >= QuayVersion::V3_17;
    cx.caller.as_ref().is_some_and(|c| c.is_super())
        && (!full_access_needed || state.superusers_full_access)
}

/// `<digits>[ ]<unit>` as bitmath reads it: `KiB`… binary, `KB`…/bare `K`… decimal.
fn parse_limit(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let factor: u64 = match unit.trim() {
        "" => 1,
        "KiB" | "Ki" => 1 << 10,
        "MiB" | "Mi" => 1 << 20,
        "GiB" | "Gi" => 1 << 30,
        "TiB" | "Ti" => 1 << 40,
        "KB" | "K" | "kB" => 1_000,
        "MB" | "M" => 1_000_000,
        "GB" | "G" => 1_000_000_000,
        "TB" | "T" => 1_000_000_000_000,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(factor)
}

/// The requested size: exactly one of `limit_bytes` or `limit`.
fn requested_size(cx: &Cx, body: &Value, for_create: bool) -> Result<Option<i64>, Reply> {
    match (body.get("limit_bytes"), body.get("limit")) {
        (Some(_), Some(_)) => Err(cx.invalid(&format!(
            "{} is valid under each of {{'required': ['limit']}}, {{'required': ['limit_bytes']}}",
            crate::schema::python_repr(body)
        ))),
        (Some(bytes), None) => Ok(bytes.as_i64()),
        (None, Some(text)) => match text.as_str().and_then(parse_limit) {
            Some(bytes) => Ok(i64::try_from(bytes).ok()),
            None => {
                Err(cx.invalid("Invalid limit format, use a number followed by a unit (e.g. 1GiB)"))
            }
        },
        (None, None) if for_create => Err(cx.invalid(&format!(
            "{} is not valid under any of the given schemas",
            crate::schema::python_repr(body)
        ))),
        (None, None) => Ok(None),
    }
}

/// `GET …/quota`: a list of 0 or 1.
pub fn list(state: &mut State, cx: &Cx, org: &str) -> Reply {
    if !may_read(state, cx, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get(org) else {
        return cx.not_found();
    };
    let quotas: Vec<Value> = organization.quota.iter().map(quota_view).collect();
    Reply::json(200, &json!(quotas))
}

/// `POST …/quota`: body first, then a superuser; 201 `"Created"`.
pub fn create(state: &mut State, cx: &Cx, org: &str) -> Reply {
    let body = match cx.body(&quota_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !may_write(state, cx) {
        return cx.deny();
    }
    let size = match requested_size(cx, &body, true) {
        Ok(size) => size,
        Err(reply) => return reply,
    };
    if !state.organizations.contains_key(org) {
        return cx.not_found();
    }
    let bytes = match size {
        Some(bytes) if bytes > 0 => bytes as u64,
        other => {
            let shown = other.map_or_else(|| "None".to_string(), |b| b.to_string());
            return cx.invalid(&format!("Invalid quota size limit value: '{shown}'"));
        }
    };
    let id = state.next_seq();
    let Some(organization) = state.organizations.get_mut(org) else {
        return cx.not_found();
    };
    if organization.quota.is_some() {
        return cx.invalid(&format!("Organization quota for '{org}' already exists"));
    }
    organization.quota = Some(Quota {
        id,
        limit_bytes: bytes,
        limits: Vec::new(),
    });
    Reply::json(201, &json!("Created"))
}

fn quota_mut<'s>(state: &'s mut State, org: &str, id: &str) -> Option<&'s mut Quota> {
    state
        .organizations
        .get_mut(org)?
        .quota
        .as_mut()
        .filter(|q| q.id.to_string() == id)
}

/// `GET …/quota/{id}`.
pub fn get(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    if !may_read(state, cx, org) {
        return cx.deny();
    }
    match quota_mut(state, org, id) {
        Some(quota) => Reply::json(200, &quota_view(quota)),
        None => cx.not_found(),
    }
}

/// `PUT …/quota/{id}`: body first; `limit_bytes: 0` or `{}` change nothing.
pub fn update(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    let body = match cx.body(&quota_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !may_write(state, cx) {
        return cx.deny();
    }
    let size = match requested_size(cx, &body, false) {
        Ok(size) => size,
        Err(reply) => return reply,
    };
    if size.is_some_and(|b| b < 0) {
        return cx.invalid(&format!(
            "Invalid quota size limit value: '{}'",
            size.unwrap_or_default()
        ));
    }
    let Some(quota) = quota_mut(state, org, id) else {
        return cx.not_found();
    };
    if let Some(bytes) = size.filter(|b| *b > 0) {
        quota.limit_bytes = bytes as u64;
    }
    Reply::json(200, &quota_view(quota))
}

/// `DELETE …/quota/{id}`: 204, its limits with it.
pub fn delete(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    if !may_write(state, cx) {
        return cx.deny();
    }
    if quota_mut(state, org, id).is_none() {
        return cx.not_found();
    }
    if let Some(organization) = state.organizations.get_mut(org) {
        organization.quota = None;
    }
    Reply::no_content()
}

/// `GET …/quota/{id}/limit`.
pub fn list_limits(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    if !may_read(state, cx, org) {
        return cx.deny();
    }
    match quota_mut(state, org, id) {
        Some(quota) => Reply::json(
            200,
            &json!(quota.limits.iter().map(limit_view).collect::<Vec<_>>()),
        ),
        None => cx.not_found(),
    }
}

/// `POST …/quota/{id}/limit`: body first; 201 `"Created"`.
pub fn create_limit(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    let body = match cx.body(&limit_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !may_write(state, cx) {
        return cx.deny();
    }
    let kind = match body["type"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("warning") => "Warning",
        Some("reject") => "Reject",
        _ => return Reply::message(400, "Quota type must be one of [Warning, Reject]"),
    };
    let percent = body["threshold_percent"].as_i64().unwrap_or(0);
    if !(1..=100).contains(&percent) {
        return Reply::message(400, "Quota limit threshold must be between 1 and 100");
    }
    let limit_id = state.next_seq();
    let Some(quota) = quota_mut(state, org, id) else {
        return cx.not_found();
    };
    if quota
        .limits
        .iter()
        .any(|l| l.kind == kind && l.percent == percent)
    {
        return cx.invalid("Quota limit already exists");
    }
    quota.limits.push(QuotaLimit {
        id: limit_id,
        kind: kind.to_string(),
        percent,
    });
    Reply::json(201, &json!("Created"))
}

/// `GET …/quota/{id}/limit/{lid}`.
pub fn get_limit(state: &mut State, cx: &Cx, org: &str, id: &str, lid: &str) -> Reply {
    if !may_read(state, cx, org) {
        return cx.deny();
    }
    let found = quota_mut(state, org, id)
        .and_then(|q| q.limits.iter().find(|l| l.id.to_string() == lid))
        .map(limit_view);
    match found {
        Some(view) => Reply::json(200, &view),
        None => cx.not_found(),
    }
}

/// `DELETE …/quota/{id}/limit/{lid}`: 204.
pub fn delete_limit(state: &mut State, cx: &Cx, org: &str, id: &str, lid: &str) -> Reply {
    if !may_write(state, cx) {
        return cx.deny();
    }
    let Some(quota) = quota_mut(state, org, id) else {
        return cx.not_found();
    };
    let Some(at) = quota.limits.iter().position(|l| l.id.to_string() == lid) else {
        return cx.not_found();
    };
    quota.limits.remove(at);
    Reply::no_content()
}
