//! The minimum Rust version mqc declares (`rust-version` in Cargo.toml, and the README's
//! "Rust … or newer") is one the locked dependencies build with (issue 17, item 8): a dependency
//! that needs a newer compiler fails this test, by name.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `1.88`, `1.88.0` → (1, 88, 0); anything else is no version.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

/// What `cargo metadata` says about the workspace and every locked package, read offline
/// (`cargo test` has fetched them all already).
fn metadata() -> Value {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_mqc_declares() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let mqc = packages
        .iter()
        .find(|p| p["name"] == "mqc" && p["source"].is_null())
        .expect("the mqc package");
    let declared_text = mqc["rust_version"]
        .as_str()
        .expect("Cargo.toml declares rust-version");
    let declared = version(declared_text).expect("rust-version is a version");

    let mut newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs)? > declared).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    newer.sort();
    assert!(
        newer.is_empty(),
        "Cargo.toml declares rust-version = \"{declared_text}\", but the locked dependencies \
         need more; raise it (and the README's \"Rust … or newer\"):\n  {}",
        newer.join("\n  ")
    );

    // The declared version is also the one the dependencies need: not stated lower than what
    // is true, nor higher than the lock file requires.
    let highest = packages
        .iter()
        .filter(|p| !p["source"].is_null())
        .filter_map(|p| version(p["rust_version"].as_str()?))
        .max()
        .expect("some dependency declares a rust-version");
    assert_eq!(
        (declared.0, declared.1),
        (highest.0, highest.1),
        "rust-version {declared_text} is above what any locked dependency needs; lower it, \
         unless mqc's own code needs it (clippy's incompatible_msrv lint tells)"
    );
}

#[test]
fn the_readme_states_the_declared_minimum_rust_version() {
    let metadata = metadata();
    let declared = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "mqc" && p["source"].is_null())
        .and_then(|p| p["rust_version"].as_str())
        .expect("mqc's rust-version")
        .to_string();
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let stated = format!("Rust {declared} or newer");
    assert!(
        readme.contains(&stated),
        "README.md does not say \"{stated}\""
    );
}

#[test]
fn versions_compare_as_numbers() {
    assert_eq!(version("1.88"), Some((1, 88, 0)));
    assert_eq!(version("1.88.0"), Some((1, 88, 0)));
    assert!(version("1.100").unwrap() > version("1.88.1").unwrap());
    assert_eq!(version("1.x"), None);
    assert_eq!(version(""), None);
}
