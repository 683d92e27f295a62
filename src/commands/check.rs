//! `mqc check`: loads the organization directory and the login file, offline, and reports
//! every finding. Exit 0 without errors (warnings allowed), 1 with errors.

use std::path::Path;

use super::Outcome;
use crate::config::{self, ConfigError, Finding, LoadedConfig};
use crate::error::Error;
use crate::report::{self, check::CheckReport};
use crate::settings::Settings;

/// Every finding about the organization files and, for the organizations that loaded, about
/// the secrets they need (tokens may also come from `MQC_TOKEN_<HOST>`). A default login file
/// that does not exist (`explicit` false) is one warning, not an error per secret: a
/// merge-request lint job holds no secrets, and `create` checks them again before any request.
pub fn findings(loaded: &LoadedConfig, login_file: &Path, explicit: bool) -> Vec<Finding> {
    let mut findings = loaded.findings.clone();
    if loaded.organizations.is_empty() {
        return findings;
    }
    let endpoints = loaded.organizations.iter().flat_map(|o| &o.endpoints);
    match config::load_login(login_file) {
        Ok(None) if !explicit => findings.push(
            Finding::warning(
                login_file,
                None,
                "the login file does not exist: tokens and mirror passwords were not checked",
            )
            .with_hint(
                "run `mqc login` to write it, or name one with --login-file to check it too",
            ),
        ),
        Ok(secrets) => {
            let exists = secrets.is_some();
            let mut secrets = secrets.unwrap_or_default();
            super::session::tokens_from_env(&mut secrets, endpoints);
            findings.extend(config::check_login(
                &loaded.organizations,
                &secrets,
                exists,
                login_file,
            ))
        }
        Err(ConfigError::Login {
            findings: problems, ..
        }) => findings.extend(problems),
        Err(e @ ConfigError::Io { .. }) => findings.push(
            Finding::error(login_file, None, e.to_string())
                .with_hint("check the --login-file path and its permissions"),
        ),
    }
    findings
}

pub fn run(settings: &Settings) -> Result<Outcome, Error> {
    let loaded = config::load_dir(&settings.dir)?;
    let findings = findings(&loaded, &settings.login_file, settings.login_file_explicit);
    let organizations = loaded
        .organizations
        .iter()
        .map(|o| o.organization.name.as_str())
        .collect();
    let report = CheckReport::new(loaded.files.len(), organizations, &findings);
    report::print(settings.output, &report)?;
    Ok(if report.errors == 0 {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}
