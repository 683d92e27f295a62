//! Property tests: the loaders never panic, whatever the bytes or the YAML document.

use std::path::Path;

use proptest::prelude::*;

/// Keys of the organization and login formats, so random documents reach deep into the
/// decoder, plus a few strangers.
const KEYS: &[&str] = &[
    "quay_endpoint",
    "replicate_to",
    "quay_organization",
    "quay_organization_email",
    "quay_organization_role_email",
    "repositories",
    "robots",
    "teams",
    "name",
    "description",
    "visibility",
    "mirror",
    "mirror_params",
    "permissions",
    "notification",
    "src_registry",
    "src_image",
    "src_image_tags",
    "ext_registry_username",
    "ext_registry_verify_tls",
    "ext_registry_unsigned_image",
    "robot_username",
    "sync_interval",
    "is_enabled",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "users",
    "role",
    "event",
    "method",
    "config",
    "url",
    "title",
    "desc",
    "members",
    "group_dn",
    "quay_endpoint_login",
    "quay_token",
    "mirror_repository",
    "organization",
    "repository",
    "ext_registry_password",
    "x",
    "<<",
];

const SCALARS: &[&str] = &[
    "",
    "~",
    "null",
    "true",
    "False",
    "yes",
    "0",
    "-1",
    "86400",
    "0x1f",
    "1e3",
    "99999999999999999999",
    "q.example.com",
    "https://q.example.com:8443",
    "http://localhost/x",
    "org1",
    "Org",
    "a/b",
    "a/mirror",
    "org1+writer",
    "other+w",
    "public",
    "private",
    "read",
    "write",
    "admin",
    "member",
    "creator",
    "repo_mirror_sync_failed",
    "webhook",
    "quay.io",
    "libpod/alpine",
    "latest",
    "a: b",
    "- x",
    "#",
    "'",
    "\"",
    "\t",
    "é",
    "*a",
    "&a",
    "!!str",
    "[",
    "{",
];

#[derive(Debug, Clone)]
enum Doc {
    Scalar(String),
    Seq(Vec<Doc>),
    Map(Vec<(String, Doc)>),
}

fn doc() -> impl Strategy<Value = Doc> {
    let scalar = prop_oneof![
        proptest::sample::select(SCALARS).prop_map(|s| Doc::Scalar(s.to_string())),
        "[a-z0-9._/+:-]{0,12}".prop_map(Doc::Scalar),
    ];
    scalar.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Doc::Seq),
            proptest::collection::vec(
                (
                    proptest::sample::select(KEYS).prop_map(str::to_string),
                    inner
                ),
                0..6
            )
            .prop_map(Doc::Map),
        ]
    })
}

/// Plain when harmless, else a JSON string (which is a valid YAML double-quoted scalar).
fn scalar(s: &str, quote: bool) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/+-".contains(c));
    if plain && !quote {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap()
    }
}

fn render(d: &Doc, indent: usize, out: &mut String, quote: bool) {
    let pad = " ".repeat(indent);
    match d {
        Doc::Scalar(s) => {
            out.push_str(&scalar(s, quote));
            out.push('\n');
        }
        Doc::Seq(items) if items.is_empty() => out.push_str("[]\n"),
        Doc::Map(entries) if entries.is_empty() => out.push_str("{}\n"),
        Doc::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}- "));
                render(item, indent + 2, out, quote);
            }
        }
        Doc::Map(entries) => {
            out.push('\n');
            for (k, v) in entries {
                out.push_str(&format!("{pad}{}: ", scalar(k, false)));
                render(v, indent + 2, out, quote);
            }
        }
    }
}

fn text_of(d: &Doc, quote: bool) -> String {
    let mut out = String::new();
    render(d, 0, &mut out, quote);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_documents_never_panic(d in doc(), quote in any::<bool>()) {
        let text = text_of(&d, quote);
        let (org, findings) = mqc::config::load_text(Path::new("p.yaml"), &text);
        // A file yields an organization exactly when it has no error.
        prop_assert_eq!(org.is_some(), !findings.iter().any(|f| f.is_error()), "{}", text);
    }

    #[test]
    fn random_text_never_panics(text in "[ -~\\n\\t:\\-\\[\\]{}&*!|>'\"%@`#]{0,400}") {
        let _ = mqc::config::load_text(Path::new("p.yaml"), &text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("org.yaml"), &bytes).unwrap();
        let loaded = mqc::config::load_dir(tmp.path()).unwrap();
        prop_assert_eq!(loaded.files.len(), 1);
        let login = tmp.path().join("login.yaml");
        std::fs::write(&login, &bytes).unwrap();
        let _ = mqc::config::load_login(&login);
    }

    #[test]
    fn random_login_documents_never_panic(d in doc(), quote in any::<bool>()) {
        let tmp = tempfile::tempdir().unwrap();
        let login = tmp.path().join("login.yaml");
        std::fs::write(&login, text_of(&d, quote)).unwrap();
        let _ = mqc::config::load_login(&login);
    }
}
