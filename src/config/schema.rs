//! The JSON Schema of organization files (`mqc schema`), for editors (yaml-language-server,
//! VS Code's YAML extension) and for CI linters.
//!
//! It is derived from the serde structs the loader produces ([`super::file`]) with `schemars`,
//! so a new key or section needs only its field and derive there. The decoder ([`super::decode`])
//! is more lenient than the structs' Rust types in a few ways; [`post_process`] is the one place
//! that says so in the schema. A unit test below keeps the schema's keys equal to the decoder's
//! key lists, and `tests/schema.rs` checks that what `mqc check` accepts and refuses for its
//! shape the schema accepts and refuses too.

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use super::file::OrganizationFile;

/// The name under which the schema is shipped (`docs/`) and which exported files reference.
pub const SCHEMA_FILE_NAME: &str = "mqc-organization.schema.json";

/// The first lines of every exported organization file: editors running yaml-language-server
/// validate and complete the file against the schema `mqc schema` writes beside it (a path
/// relative to the file; mqc has no address of its own to point at, and a schema beside the
/// files is the one of the mqc version that reads them).
pub fn editor_modeline() -> String {
    format!(
        "# yaml-language-server: $schema={SCHEMA_FILE_NAME}\n\
         # (for editors; write it beside this file with `mqc schema > {SCHEMA_FILE_NAME}`)\n"
    )
}

/// The schema, as a JSON value.
pub fn organization_schema() -> Value {
    // Draft-07: the draft editors' YAML and JSON language services support best.
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<OrganizationFile>();
    let mut schema = Value::from(schema);
    post_process(&mut schema);
    schema
}

/// The schema as `mqc schema` prints it (and `docs/` ships it): pretty JSON and a newline.
pub fn organization_schema_text() -> String {
    // Serializing a `Value` cannot fail (string keys only).
    let mut text = serde_json::to_string_pretty(&organization_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// What the loader accepts that the structs' Rust types do not say. Each rule says why.
fn post_process(root: &mut Value) {
    if let Some(obj) = root.as_object_mut() {
        obj.insert("title".into(), json!("mqc organization file"));
        let about = obj
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        obj.insert(
            "description".into(),
            json!(format!(
                "{about} Printed by `mqc schema`; docs/configuration.md describes every key."
            )),
        );
    }
    // 0. Descriptions come from doc comments wrapped at 100 columns: unwrap them.
    // 1. The loader reads any plain value as text (`src_image_tags: [3.18]` is the tag "3.18",
    //    `name: 2024` the name "2024"), so text accepts YAML numbers and booleans too.
    // 2. A key written without a value (`users:`, `~`, `null`) counts as absent, so every key
    //    that may be absent may also be null. A required key may not: null is "missing" there.
    walk(root, &mut |schema| {
        unwrap_description(schema);
        text_accepts_scalars(schema);
        optional_keys_accept_null(schema);
    });
    // 3. `mirror_params` is read in full only with `mirror: true`; otherwise only its keys are
    //    checked (an unknown one is still an error) and the rest is ignored with a warning.
    //    `mirror: true` needs `mirror_params` (a check error).
    mirror_params_only_with_mirror(root);
    // 4. The original tool's key `quay_organization_role_email` is still read as
    //    `quay_organization_email` (with a warning); giving both is a duplicate key.
    old_email_key(root);
}

/// Calls `f` on `schema` and on every schema inside it (the keywords schemars writes).
fn walk(schema: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    f(obj);
    for (keyword, value) in obj.iter_mut() {
        match (keyword.as_str(), value) {
            ("properties" | "definitions", Value::Object(named)) => {
                for sub in named.values_mut() {
                    walk(sub, f);
                }
            }
            ("anyOf" | "allOf" | "oneOf", Value::Array(list)) => {
                for sub in list {
                    walk(sub, f);
                }
            }
            ("items" | "additionalProperties" | "if" | "then" | "else" | "not", sub) => {
                walk(sub, f)
            }
            _ => {}
        }
    }
}

fn unwrap_description(schema: &mut Map<String, Value>) {
    if let Some(Value::String(d)) = schema.get_mut("description") {
        *d = d
            .replace("\n\n", "\u{1}")
            .replace('\n', " ")
            .replace('\u{1}', "\n\n");
    }
}

const TEXT_TYPES: [&str; 3] = ["string", "number", "boolean"];

fn text_accepts_scalars(schema: &mut Map<String, Value>) {
    let is_text = schema.get("type") == Some(&json!("string"))
        && !schema.contains_key("enum")
        && !schema.contains_key("const");
    if is_text {
        schema.insert("type".into(), json!(TEXT_TYPES));
    } else if schema.get("type") == Some(&json!(["string", "null"])) {
        schema.insert(
            "type".into(),
            json!(["string", "number", "boolean", "null"]),
        );
    }
}

fn accepts_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(types)) if types.iter().any(|t| t == "null") => return true,
        _ => {}
    }
    ["anyOf", "oneOf"].iter().any(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(accepts_null))
    })
}

fn optional_keys_accept_null(schema: &mut Map<String, Value>) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for (key, prop) in props.iter_mut() {
        if required.contains(key) || accepts_null(prop) {
            continue;
        }
        let Some(obj) = prop.as_object_mut() else {
            continue;
        };
        let has_enum = obj.contains_key("enum");
        match obj.get_mut("type") {
            Some(Value::Array(types)) if !has_enum => types.push(json!("null")),
            Some(t @ Value::String(_)) if !has_enum => *t = json!([t.clone(), "null"]),
            _ => {
                // A `$ref` or an enum: wrap it, keeping the annotations on the outside.
                let mut outer = Map::new();
                for k in ["description", "default", "title"] {
                    if let Some(v) = obj.remove(k) {
                        outer.insert(k.into(), v);
                    }
                }
                let inner = Value::Object(std::mem::take(obj));
                outer.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                *obj = outer;
            }
        }
    }
}

fn definition<'s>(root: &'s mut Value, name: &str) -> Option<&'s mut Map<String, Value>> {
    root.get_mut("definitions")?.get_mut(name)?.as_object_mut()
}

fn mirror_params_only_with_mirror(root: &mut Value) {
    let Some(mirror) = definition(root, "MirrorParams") else {
        return;
    };
    let keys: Vec<Value> = mirror
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(|k| json!(k)).collect())
        .unwrap_or_default();
    let Some(repo) = definition(root, "RepositoryEntry") else {
        return;
    };
    let Some(prop) = repo
        .get_mut("properties")
        .and_then(|p| p.get_mut("mirror_params"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut ignored = Map::new();
    if let Some(d) = prop.remove("description") {
        ignored.insert("description".into(), d);
    }
    ignored.insert("type".into(), json!(["object", "null"]));
    ignored.insert("propertyNames".into(), json!({"enum": keys}));
    *prop = ignored;
    repo.insert(
        "if".into(),
        json!({"properties": {"mirror": {"const": true}}, "required": ["mirror"]}),
    );
    repo.insert(
        "then".into(),
        json!({
            "properties": {"mirror_params": {"$ref": "#/definitions/MirrorParams"}},
            "required": ["mirror_params"],
        }),
    );
}

fn old_email_key(root: &mut Value) {
    let Some(obj) = root.as_object_mut() else {
        return;
    };
    let Some(Value::Object(props)) = obj.get_mut("properties") else {
        return;
    };
    let Some(mut old) = props.get("quay_organization_email").cloned() else {
        return;
    };
    if let Some(o) = old.as_object_mut() {
        o.insert(
            "description".into(),
            json!("Deprecated: the old name of `quay_organization_email`; rename the key."),
        );
        o.insert("deprecated".into(), json!(true));
        // VS Code's own spelling, shown as a strike-through with the message.
        o.insert(
            "deprecationMessage".into(),
            json!("`quay_organization_role_email` is the old name of `quay_organization_email`"),
        );
        o.remove("default");
    }
    props.insert("quay_organization_role_email".into(), old);
    obj.insert(
        "not".into(),
        json!({"required": ["quay_organization_email", "quay_organization_role_email"]}),
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::file::keys;
    use super::super::kinds::notifications;
    use super::*;

    fn property_names(schema: &Value) -> BTreeSet<String> {
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    /// The decoder refuses every key not in its lists (`keys`), so the schema must name exactly
    /// those keys, and refuse any other, in every map of the format.
    #[test]
    fn the_schema_has_exactly_the_keys_the_decoder_accepts_in_every_map() {
        let schema = organization_schema();
        // The decoder also reads the old name of `quay_organization_email` at the top level.
        let mut top = set(keys::TOP);
        top.insert("quay_organization_role_email".into());
        assert_eq!(property_names(&schema), top, "top level");
        assert_eq!(schema["additionalProperties"], json!(false), "top level");

        let maps: &[(&str, &[&str])] = &[
            ("RepositoryEntry", keys::REPOSITORY),
            ("MirrorParams", keys::MIRROR),
            ("PermissionsEntry", keys::PERMISSIONS),
            ("PermissionEntry", keys::PERMISSION),
            ("NotificationEntry", notifications::keys::NOTIFICATION),
            ("NotificationConfig", notifications::keys::CONFIG),
            ("EventConfigEntry", notifications::keys::EVENT_CONFIG),
            ("NotificationTarget", notifications::keys::TARGET),
            ("RobotEntry", keys::ROBOT),
            ("TeamEntry", keys::TEAM),
            ("MembersEntry", keys::MEMBERS),
            (
                "DefaultPermissionEntry",
                crate::config::kinds::default_permissions::keys::DEFAULT_PERMISSION,
            ),
            (
                "DelegateEntry",
                crate::config::kinds::default_permissions::keys::DELEGATE,
            ),
            ("QuotaEntry", crate::config::kinds::quota::keys::QUOTA),
            ("QuotaLimitEntry", crate::config::kinds::quota::keys::LIMIT),
            (
                "AutoPruneEntry",
                crate::config::kinds::auto_prune::keys::POLICY,
            ),
            (
                "ImmutabilityEntry",
                crate::config::kinds::immutability::keys::POLICY,
            ),
            (
                "FederationEntry",
                crate::config::kinds::federation::keys::ENTRY,
            ),
        ];
        let definitions = schema["definitions"].as_object().unwrap();
        for (name, def) in definitions {
            if def.get("type") != Some(&json!("object")) {
                continue;
            }
            let Some((_, keys)) = maps.iter().find(|(n, _)| n == name) else {
                panic!("the schema has a map `{name}` that this test does not compare with a key list of the decoder: add it to `maps`");
            };
            assert_eq!(property_names(def), set(keys), "{name}");
            assert_eq!(def["additionalProperties"], json!(false), "{name}");
        }
        for (name, _) in maps {
            assert!(
                definitions.contains_key(*name),
                "{name} missing from the schema"
            );
        }
        // `mirror_params` without `mirror: true`: only its keys are checked.
        let ignored = &definitions["RepositoryEntry"]["properties"]["mirror_params"];
        let names: BTreeSet<String> = ignored["propertyNames"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, set(keys::MIRROR));
    }

    #[test]
    fn required_keys_are_the_ones_the_decoder_requires() {
        let schema = organization_schema();
        let required = |s: &Value| -> BTreeSet<String> {
            s["required"]
                .as_array()
                .map(|r| r.iter().map(|k| k.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        let d = &schema["definitions"];
        assert_eq!(
            required(&schema),
            set(&["quay_endpoint", "quay_organization"])
        );
        assert_eq!(required(&d["RepositoryEntry"]), set(&["name"]));
        assert_eq!(
            required(&d["MirrorParams"]),
            set(&[
                "src_registry",
                "src_image",
                "src_image_tags",
                "robot_username",
                "sync_interval"
            ])
        );
        assert_eq!(required(&d["PermissionsEntry"]), set(&[]));
        assert_eq!(required(&d["PermissionEntry"]), set(&["name", "role"]));
        assert_eq!(
            required(&d["NotificationEntry"]),
            set(&["event", "method", "config"])
        );
        assert_eq!(required(&d["NotificationConfig"]), set(&[]));
        assert_eq!(required(&d["NotificationTarget"]), set(&["kind", "name"]));
        assert_eq!(required(&d["RobotEntry"]), set(&["name"]));
        assert_eq!(required(&d["TeamEntry"]), set(&["name"]));
        assert_eq!(required(&d["MembersEntry"]), set(&[]));
    }

    #[test]
    fn the_text_ends_with_a_newline_and_is_the_schema() {
        let text = organization_schema_text();
        assert!(text.ends_with("}\n"));
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, organization_schema());
        assert_eq!(
            parsed["$schema"],
            json!("http://json-schema.org/draft-07/schema#")
        );
    }
}
