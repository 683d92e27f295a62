//! The report of `mqc login`: what it listed (`--list`) or wrote. Never a secret's value.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::Render;
use crate::config::{env_var_name, Need};

/// What `login` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginAction {
    /// `--list`: the secrets the files need, nothing written.
    Listed,
    /// The login file was written.
    Written,
    /// The files need no secret: the login file was left as it is.
    Unchanged,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoginTotals {
    /// Tokens and mirror passwords: in the file written, or needed (`--list`).
    pub tokens: usize,
    pub mirror_passwords: usize,
    /// Values given in this run.
    pub asked: usize,
    /// Needed values kept from the existing file (`--list`: already stored).
    pub kept: usize,
}

/// One secret the files need (`--list`).
#[derive(Debug, Clone, Serialize)]
pub struct NeedEntry {
    /// `token` or `mirror_password`.
    pub kind: &'static str,
    /// A token's endpoint, as the files name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The environment variable `--from-env` reads it from.
    pub env: String,
    /// Whether the login file already holds it.
    pub stored: bool,
    /// The human line.
    #[serde(skip)]
    line: String,
}

impl NeedEntry {
    pub fn new(need: &Need, stored: bool) -> NeedEntry {
        let mut entry = NeedEntry {
            kind: "token",
            endpoint: None,
            organization: None,
            repository: None,
            username: None,
            env: env_var_name(need),
            stored,
            line: list_line(need, stored),
        };
        match need {
            Need::Token { endpoint, .. } => {
                entry.endpoint = Some(crate::config::mapping::endpoint_to_file(endpoint));
            }
            Need::MirrorPassword { key, .. } => {
                entry.kind = "mirror_password";
                entry.organization = Some(key.organization.clone());
                entry.repository = Some(key.repository.clone());
                entry.username = Some(key.username.clone());
            }
        }
        entry
    }
}

/// One `--list` line: `token <endpoint> env=…` or `mirror-password <org>/<repo> user=<u> env=…`,
/// with ` stored` when the login file already holds it.
pub fn list_line(need: &Need, stored: bool) -> String {
    let env = env_var_name(need);
    let mut line = match need {
        Need::Token { endpoint, .. } => format!("token {endpoint} env={env}"),
        Need::MirrorPassword { key, .. } => format!(
            "mirror-password {}/{} user={} env={env}",
            key.organization, key.repository, key.username
        ),
    };
    if stored {
        line.push_str(" stored");
    }
    line
}

#[derive(Debug, Clone, Serialize)]
pub struct LoginReport {
    pub login_file: PathBuf,
    pub action: LoginAction,
    /// `--list` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<NeedEntry>>,
    pub totals: LoginTotals,
}

impl LoginReport {
    /// `--list`: every need, and whether the login file holds it.
    pub fn listed(login_file: PathBuf, needs: Vec<NeedEntry>) -> LoginReport {
        let count = |kind: &str| needs.iter().filter(|n| n.kind == kind).count();
        let totals = LoginTotals {
            tokens: count("token"),
            mirror_passwords: count("mirror_password"),
            asked: 0,
            kept: needs.iter().filter(|n| n.stored).count(),
        };
        LoginReport {
            login_file,
            action: LoginAction::Listed,
            needs: Some(needs),
            totals,
        }
    }
}

impl Render for LoginReport {
    fn command(&self) -> &'static str {
        "login"
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let path = self.login_file.display();
        let t = self.totals;
        match self.action {
            LoginAction::Listed => {
                for need in self.needs.iter().flatten() {
                    writeln!(out, "{}", need.line)?;
                }
                Ok(())
            }
            LoginAction::Unchanged => writeln!(
                out,
                "the organization files need no token or password; {path} left as it is"
            ),
            LoginAction::Written => writeln!(
                out,
                "wrote {path}: {} token(s) and {} mirror password(s); {} asked, {} kept",
                t.tokens, t.mirror_passwords, t.asked, t.kept
            ),
        }
    }
}
