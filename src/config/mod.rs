//! Organization files and the login file: loading, validation and the findings `check` reports.
//! The only module that knows YAML.
//!
//! - [`yaml`]: text → positioned tree (the only user of the YAML parser);
//! - [`decode`]: tree → [`file::OrganizationFile`] with shape findings and a position index;
//! - [`validate`]: names, references, duplicates, mirror and notification rules;
//! - [`mapping`]: checked file → [`DesiredOrganization`] (and back, for `export`);
//! - [`login`]: the login file (tokens, mirror passwords) and the secrets checks;
//! - [`schema`]: the JSON Schema of organization files, derived from [`file`].

pub mod decode;
pub mod file;
pub mod finding;
pub mod kinds;
pub mod login;
pub mod mapping;
mod mentions;
pub mod names;
pub mod schema;
pub mod validate;
mod write;
pub mod yaml;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use file::OrganizationFile;
pub use finding::{Finding, Pos, Severity};
pub use login::{
    check_login, check_secrets, env_var_name, load_login, login_file_access, needs, save_login,
    token_from_env, LoginFile, LoginFileAccess, Need, SecretsUsed,
};
pub use mapping::{body_of, export_header, from_model, to_yaml};
pub use write::write_atomically;

use crate::model::DesiredOrganization;
pub use validate::Identity;

/// A failure to read configuration at all (not a finding inside a file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}", path = .path.display())]
    Io { path: PathBuf, message: String },
    /// The login file exists but cannot be used; each finding names its line and column, never
    /// a value.
    #[error("{}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Login {
        path: PathBuf,
        findings: Vec<Finding>,
    },
}

/// Every organization of a directory, and every problem found on the way.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    /// One per file without errors, in file-name order.
    pub organizations: Vec<DesiredOrganization>,
    pub findings: Vec<Finding>,
    /// The organization files read (`*.yaml`, `*.yml`), in name order.
    pub files: Vec<PathBuf>,
}

impl LoadedConfig {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }
}

/// The finding for a file of `size` bytes, over [`yaml::MAX_FILE_SIZE`].
fn too_big(path: &Path, size: u64) -> Finding {
    Finding::error(
        path,
        None,
        format!(
            "the file is {:.1} MiB; files larger than {} MiB are refused",
            size as f64 / (1024.0 * 1024.0),
            yaml::MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
    .with_hint("an organization of 3,000 repositories is about 1.3 MiB: is this the right file?")
}

/// The findings `check` reports for `text` as the organization file `path`, the size bound
/// included, so that a writer (`export`) never writes a file that `check` refuses; with the
/// rules across files run against `others`, the other files of the directory
/// ([`identities_in`]; the one at `path` itself is skipped, the text replaces it).
pub fn check_text(path: &Path, text: &str, others: &[Identity]) -> Vec<Finding> {
    if text.len() as u64 > yaml::MAX_FILE_SIZE {
        return vec![too_big(path, text.len() as u64)];
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let analysis = analyze(path, text);
    let mut findings = analysis.findings;
    if let Some(identity) = analysis.identity {
        // Last, so that a clash is reported on this file whatever the name order.
        let mut all: Vec<Identity> = others
            .iter()
            .filter(|id| id.file != path)
            .cloned()
            .collect();
        all.push(identity);
        findings.extend(
            validate::check_across(&all)
                .into_iter()
                .filter(|finding| finding.file == path),
        );
    }
    findings
}

/// Who the organization files of `dir` declare (organization, endpoints, email), for the rules
/// across files; files that cannot be read or have no identity are left out. Empty when `dir`
/// cannot be listed.
pub fn identities_in(dir: &Path) -> Vec<Identity> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file() && is_organization_file(path))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            read_text(path)
                .ok()
                .and_then(|text| analyze(path, &text).identity)
        })
        .collect()
}

/// Reads a file of at most [`yaml::MAX_FILE_SIZE`] bytes as UTF-8 text; a finding otherwise.
pub(crate) fn read_text(path: &Path) -> Result<String, Finding> {
    let limit = yaml::MAX_FILE_SIZE;
    let too_big = |size: u64| too_big(path, size);
    let read_error = |e: std::io::Error| {
        Finding::error(path, None, format!("cannot read the file: {e}"))
            .with_hint("check that it exists and that you may read it")
    };
    let file = fs::File::open(path).map_err(read_error)?;
    if let Ok(meta) = file.metadata() {
        if meta.len() > limit {
            return Err(too_big(meta.len()));
        }
    }
    let mut bytes = Vec::new();
    // The bound holds even when the file grows after the size check.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let byte = bytes.get(offset).copied().unwrap_or(0);
            Err(Finding::error(
                path,
                Some(yaml::pos_of_offset(&bytes, offset)),
                format!("the file is not valid UTF-8 (byte 0x{byte:02x})"),
            )
            .with_hint("save the file as UTF-8"))
        }
    }
}

/// The positioned tree of a text (`None` when it holds no document: empty, only comments, or
/// `null`), or the findings that stop it from being read (tabs, syntax). What an empty file
/// means is the caller's business.
pub(crate) fn parse_text(
    path: &Path,
    text: &str,
) -> Result<Option<std::rc::Rc<yaml::Node>>, Vec<Finding>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let tabs = yaml::tab_indentation(text);
    if !tabs.is_empty() {
        return Err(tabs
            .into_iter()
            .map(|pos| {
                Finding::error(path, Some(pos), "tab character in the indentation")
                    .with_hint("YAML indentation must use spaces; replace the tab with spaces")
            })
            .collect());
    }
    match yaml::parse(text) {
        Err(e) => {
            let mut f = Finding::error(path, Some(e.pos), e.message);
            f.hint = e.hint;
            Err(vec![f])
        }
        Ok(Some(root)) if !root.is_null() => Ok(Some(root)),
        Ok(_) => Ok(None),
    }
}

struct Analysis {
    organization: Option<DesiredOrganization>,
    findings: Vec<Finding>,
    identity: Option<Identity>,
}

fn analyze(path: &Path, text: &str) -> Analysis {
    let root = match parse_text(path, text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            let empty = Finding::error(path, None, "the file is empty").with_hint(
                "declare an organization (see docs/configuration.md), or remove the file",
            );
            return Analysis {
                organization: None,
                findings: vec![empty],
                identity: None,
            };
        }
        Err(findings) => {
            return Analysis {
                organization: None,
                findings,
                identity: None,
            }
        }
    };
    let decoded = decode::decode(path, &root);
    let (mut findings, identity) = validate::check_file(path, &decoded.file, &decoded.index);
    findings.extend(decoded.findings);
    findings.sort_by_key(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0)));
    // A file without errors has an identity (a valid organization name and endpoint).
    let organization = match &identity {
        Some(identity) if !findings.iter().any(Finding::is_error) => {
            let mut organization = mapping::to_model(&decoded.file, identity);
            organization.mentions = mentions::mentions(&decoded.file, &decoded.index);
            Some(organization)
        }
        _ => None,
    };
    Analysis {
        organization,
        findings,
        identity,
    }
}

/// Loads one organization from a text (as if read from `path`): the organization when there
/// is no error, and every finding. For tests and tools that hold the text already.
pub fn load_text(path: &Path, text: &str) -> (Option<DesiredOrganization>, Vec<Finding>) {
    let a = analyze(path, text);
    (a.organization, a.findings)
}

fn is_organization_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Loads every `*.yaml`/`*.yml` file of `dir` (sorted by name). `Err` only when the directory
/// itself cannot be read; every problem inside it is a finding.
pub fn load_dir(dir: &Path) -> Result<LoadedConfig, ConfigError> {
    let entries = fs::read_dir(dir).map_err(|e| ConfigError::Io {
        path: dir.to_path_buf(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => {
                "the organization directory does not exist; create it, or name another one with --dir (or MQC_DIR)".to_string()
            }
            std::io::ErrorKind::PermissionDenied => {
                "cannot read the organization directory: permission denied".to_string()
            }
            _ => format!("cannot read the organization directory: {e}; pass a directory with --dir (or MQC_DIR)"),
        },
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ConfigError::Io {
            path: dir.to_path_buf(),
            message: format!("cannot list the organization directory: {e}"),
        })?;
        paths.push(entry.path());
    }
    paths.sort();

    let mut loaded = LoadedConfig::default();
    let mut analyses = Vec::new();
    for path in paths {
        if path.is_dir() {
            loaded.findings.push(Finding::note(
                &path,
                None,
                "skipped: a directory (subdirectories are not read)",
            ));
            continue;
        }
        if !path.is_file() {
            // A FIFO or device named `x.yaml` would block or never end.
            loaded
                .findings
                .push(Finding::note(&path, None, "skipped: not a regular file"));
            continue;
        }
        // The schema editors read, where docs/configuration.md says to put it: no note.
        if path.file_name() == Some(std::ffi::OsStr::new(schema::SCHEMA_FILE_NAME)) {
            continue;
        }
        if !is_organization_file(&path) {
            loaded.findings.push(Finding::note(
                &path,
                None,
                "skipped: not a .yaml or .yml file",
            ));
            continue;
        }
        let analysis = match read_text(&path) {
            Ok(text) => analyze(&path, &text),
            Err(finding) => Analysis {
                organization: None,
                findings: vec![finding],
                identity: None,
            },
        };
        loaded.files.push(path);
        analyses.push(analysis);
    }
    if loaded.files.is_empty() {
        loaded.findings.push(
            Finding::error(dir, None, "no organization files (*.yaml, *.yml) in this directory")
                .with_hint("put one file per organization here (see docs/configuration.md), or pass another --dir"),
        );
    }

    let identities: Vec<Identity> = analyses.iter().filter_map(|a| a.identity.clone()).collect();
    let across = validate::check_across(&identities);
    for a in analyses {
        let failed_across = across
            .iter()
            .any(|f| f.is_error() && a.identity.as_ref().is_some_and(|id| id.file == f.file));
        loaded.findings.extend(a.findings);
        if let Some(org) = a.organization.filter(|_| !failed_across) {
            loaded.organizations.push(org);
        }
    }
    loaded.findings.extend(across);
    // Findings grouped by file (name order) and by position inside each file.
    loaded.findings.sort_by(|a, b| {
        (&a.file, a.line.unwrap_or(0), a.column.unwrap_or(0)).cmp(&(
            &b.file,
            b.line.unwrap_or(0),
            b.column.unwrap_or(0),
        ))
    });
    Ok(loaded)
}
