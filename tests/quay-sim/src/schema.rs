//! The JSON Schema subset Quay's request schemas use (jsonschema 3.2, Draft 4), with
//! jsonschema's error texts (quay-api.md §1.2). One definition serves both validation and the
//! `definitions` section of `GET /api/v1/discovery`.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub enum Schema {
    Object {
        description: &'static str,
        properties: Vec<(&'static str, Schema)>,
        required: Vec<&'static str>,
    },
    String {
        enum_values: Option<&'static [&'static str]>,
        max_length: Option<usize>,
        nullable: bool,
    },
    Integer {
        minimum: Option<i64>,
    },
    Boolean,
    Array {
        items: Box<Schema>,
        nullable: bool,
    },
    /// `{"type": "object"}` with no further rules.
    AnyObject,
}

impl Schema {
    pub fn string() -> Schema {
        Schema::String {
            enum_values: None,
            max_length: None,
            nullable: false,
        }
    }
    pub fn nullable_string() -> Schema {
        Schema::String {
            enum_values: None,
            max_length: None,
            nullable: true,
        }
    }
    pub fn one_of(values: &'static [&'static str]) -> Schema {
        Schema::String {
            enum_values: Some(values),
            max_length: None,
            nullable: false,
        }
    }
    pub fn object(
        description: &'static str,
        properties: Vec<(&'static str, Schema)>,
        required: Vec<&'static str>,
    ) -> Schema {
        Schema::Object {
            description,
            properties,
            required,
        }
    }

    /// The best jsonschema error for `value`, formatted as Quay's `detail` text.
    pub fn validate(&self, value: &Value) -> Result<(), String> {
        let mut errors = Vec::new();
        self.collect(value, 0, &mut errors);
        // jsonschema's best_match prefers the shallowest error, then the first found.
        let best = errors.into_iter().min_by_key(|e| e.depth);
        match best {
            None => Ok(()),
            Some(error) => Err(format!(
                "{}\n\nFailed validating '{}' in schema\n\nOn instance:\n    {}",
                error.message,
                error.keyword,
                python_repr(value)
            )),
        }
    }

    fn collect(&self, value: &Value, depth: usize, errors: &mut Vec<SchemaError>) {
        let mut push = |keyword: &'static str, message: String| {
            errors.push(SchemaError {
                depth,
                keyword,
                message,
            })
        };
        match self {
            Schema::Object {
                properties,
                required,
                ..
            } => {
                let Some(object) = value.as_object() else {
                    push(
                        "type",
                        format!("{} is not of type 'object'", python_repr(value)),
                    );
                    return;
                };
                for name in required {
                    if !object.contains_key(*name) {
                        push("required", format!("'{name}' is a required property"));
                    }
                }
                for (name, schema) in properties {
                    if let Some(inner) = object.get(*name) {
                        schema.collect(inner, depth + 1, errors);
                    }
                }
            }
            Schema::String {
                enum_values,
                max_length,
                nullable,
            } => match value {
                Value::Null if *nullable => {}
                Value::String(text) => {
                    if let Some(values) = enum_values {
                        if !values.contains(&text.as_str()) {
                            push(
                                "enum",
                                format!(
                                    "{} is not one of [{}]",
                                    python_repr(value),
                                    values
                                        .iter()
                                        .map(|v| format!("'{v}'"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            );
                        }
                    }
                    if max_length.is_some_and(|max| text.chars().count() > max) {
                        push("maxLength", format!("{} is too long", python_repr(value)));
                    }
                }
                _ if *nullable => push(
                    "type",
                    format!("{} is not of type 'string', 'null'", python_repr(value)),
                ),
                _ => push(
                    "type",
                    format!("{} is not of type 'string'", python_repr(value)),
                ),
            },
            Schema::Integer { minimum } => match value.as_i64() {
                Some(number) => {
                    if let Some(min) = minimum.filter(|min| number < *min) {
                        push(
                            "minimum",
                            format!("{number} is less than the minimum of {min}"),
                        );
                    }
                }
                None => push(
                    "type",
                    format!("{} is not of type 'integer'", python_repr(value)),
                ),
            },
            Schema::Boolean => {
                if !value.is_boolean() {
                    push(
                        "type",
                        format!("{} is not of type 'boolean'", python_repr(value)),
                    );
                }
            }
            Schema::Array { items, nullable } => match value.as_array() {
                Some(values) => {
                    for item in values {
                        items.collect(item, depth + 1, errors);
                    }
                }
                None if value.is_null() && *nullable => {}
                None if *nullable => push(
                    "type",
                    format!("{} is not of type 'array', 'null'", python_repr(value)),
                ),
                None => push(
                    "type",
                    format!("{} is not of type 'array'", python_repr(value)),
                ),
            },
            Schema::AnyObject => {
                if !value.is_object() {
                    push(
                        "type",
                        format!("{} is not of type 'object'", python_repr(value)),
                    );
                }
            }
        }
    }

    /// The schema as Swagger 2.0 / JSON Schema JSON, for discovery.
    pub fn to_json(&self) -> Value {
        match self {
            Schema::Object {
                description,
                properties,
                required,
            } => {
                let mut object = Map::new();
                object.insert("type".into(), json!("object"));
                if !description.is_empty() {
                    object.insert("description".into(), json!(description));
                }
                if !required.is_empty() {
                    object.insert("required".into(), json!(required));
                }
                let props: Map<String, Value> = properties
                    .iter()
                    .map(|(name, schema)| (name.to_string(), schema.to_json()))
                    .collect();
                object.insert("properties".into(), Value::Object(props));
                Value::Object(object)
            }
            Schema::String {
                enum_values,
                max_length,
                nullable,
            } => {
                let mut object = Map::new();
                object.insert(
                    "type".into(),
                    if *nullable {
                        json!(["string", "null"])
                    } else {
                        json!("string")
                    },
                );
                if let Some(values) = enum_values {
                    object.insert("enum".into(), json!(values));
                }
                if let Some(max) = max_length {
                    object.insert("maxLength".into(), json!(max));
                }
                Value::Object(object)
            }
            Schema::Integer { minimum } => match minimum {
                Some(min) => json!({"type": "integer", "minimum": min}),
                None => json!({"type": "integer"}),
            },
            Schema::Boolean => json!({"type": "boolean"}),
            Schema::Array { items, nullable } => json!({
                "type": if *nullable { json!(["array", "null"]) } else { json!("array") },
                "items": items.to_json(),
            }),
            Schema::AnyObject => json!({"type": "object"}),
        }
    }
}

struct SchemaError {
    depth: usize,
    keyword: &'static str,
    message: String,
}

/// A JSON value as Python's `repr` prints the decoded value (jsonschema messages use it).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Schema {
        Schema::object(
            "",
            vec![
                ("role", Schema::one_of(&["member", "creator", "admin"])),
                ("description", Schema::string()),
            ],
            vec!["role"],
        )
    }

    fn first_line(result: Result<(), String>) -> String {
        result.unwrap_err().lines().next().unwrap().to_string()
    }

    #[test]
    fn messages_match_jsonschema() {
        assert_eq!(
            first_line(team().validate(&json!({}))),
            "'role' is a required property"
        );
        assert_eq!(
            first_line(team().validate(&json!({"role": "owner"}))),
            "'owner' is not one of ['member', 'creator', 'admin']"
        );
        assert_eq!(
            first_line(team().validate(&json!({"role": "admin", "description": 5}))),
            "5 is not of type 'string'"
        );
        let min = Schema::object(
            "",
            vec![("t", Schema::Integer { minimum: Some(300) })],
            vec![],
        );
        assert_eq!(
            first_line(min.validate(&json!({"t": 299}))),
            "299 is less than the minimum of 300"
        );
        assert!(team().validate(&json!({"role": "admin", "x": 1})).is_ok());
    }

    #[test]
    fn required_beats_deeper_errors() {
        assert_eq!(
            first_line(team().validate(&json!({"description": 5}))),
            "'role' is a required property"
        );
    }
}
