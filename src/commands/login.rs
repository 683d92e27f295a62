//! `mqc login`: finds every Quay token and mirror password the organization files need, asks
//! for the missing ones (hidden prompt, environment or standard input; never a command-line
//! argument) and writes the login file with mode 0600.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

use secrecy::SecretString;

use super::Outcome;
use crate::cli::LoginArgs;
use crate::config::{self, env_var_name, LoginFile, Need};
use crate::error::Error;
use crate::model::Secrets;
use crate::report::{
    self,
    login::{LoginAction, LoginReport, LoginTotals, NeedEntry},
};
use crate::settings::Settings;

/// How a value is asked for; a trait so the logic can be tested without a terminal.
pub trait Prompter {
    /// Asks for a secret without echoing it.
    fn secret(&mut self, prompt: &str) -> io::Result<SecretString>;
    /// Asks a yes/no question; the default answer is no.
    fn confirm(&mut self, question: &str) -> io::Result<bool>;
}

/// The terminal: rpassword's hidden prompt, questions on stderr.
struct TtyPrompter;

impl Prompter for TtyPrompter {
    fn secret(&mut self, prompt: &str) -> io::Result<SecretString> {
        rpassword::prompt_password(prompt).map(SecretString::from)
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        eprint!("{question} [y/N] ");
        io::stderr().flush()?;
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
}

/// Where the values come from.
pub enum Source<'a> {
    Prompt(&'a mut dyn Prompter),
    /// `--from-env`: a lookup of environment variables.
    Env(&'a dyn Fn(&str) -> Option<String>),
    /// `--from-stdin`: one value per line.
    Lines(&'a mut dyn BufRead),
}

/// What was collected.
#[derive(Debug, Default)]
pub struct Collected {
    pub secrets: Secrets,
    /// Values newly given.
    pub asked: usize,
    /// Needed values kept from the existing file.
    pub kept: usize,
}

/// What to ask for `need`, for prompts and error messages. Never a value.
pub fn label(need: &Need) -> String {
    match need {
        Need::Token { endpoint, .. } => format!("Quay token for {endpoint}"),
        Need::MirrorPassword { key, .. } => format!(
            "password of mirror user `{}` for {}/{}",
            key.username, key.organization, key.repository
        ),
    }
}

pub use crate::report::login::list_line;

fn insert(secrets: &mut Secrets, need: &Need, value: SecretString) {
    match need {
        Need::Token { endpoint, .. } => secrets.insert_token(endpoint.clone(), value),
        Need::MirrorPassword { key, .. } => secrets.insert_mirror_password(key.clone(), value),
    }
}

/// Gathers the values: with `recreate` every need is asked and nothing else is kept; otherwise
/// the existing values (also those no file needs any more) are kept and only the missing
/// needs are asked, in `needs` order.
pub fn collect(
    needs: &[Need],
    existing: Option<&Secrets>,
    recreate: bool,
    source: Source<'_>,
) -> Result<Collected, Error> {
    let mut secrets = if recreate {
        Secrets::default()
    } else {
        existing.cloned().unwrap_or_default()
    };
    let to_ask: Vec<&Need> = needs
        .iter()
        .filter(|n| recreate || !n.is_met(&secrets))
        .collect();
    let kept = needs.len() - to_ask.len();
    match source {
        Source::Env(lookup) => {
            let mut missing_tokens = Vec::new();
            let mut missing_passwords = Vec::new();
            for need in &to_ask {
                let name = env_var_name(need);
                match lookup(&name).filter(|v| !v.is_empty()) {
                    Some(value) => insert(&mut secrets, need, SecretString::from(value)),
                    None if matches!(need, Need::Token { .. }) => missing_tokens.push(name),
                    None => missing_passwords.push(name),
                }
            }
            if !missing_tokens.is_empty() {
                return Err(Error::other(format!(
                    "these environment variables are missing or empty: {} (see `mqc login --list`)",
                    missing_tokens.join(", ")
                )));
            }
            // A job that only plans or deletes holds no registry passwords: only `create`
            // sends them, and it refuses to start without them.
            if !missing_passwords.is_empty() {
                tracing::warn!(
                    "these mirror passwords are not in the environment, so the login file lacks \
                     them: {}; `mqc plan` and `mqc delete` do not need them, `mqc create` does",
                    missing_passwords.join(", ")
                );
            }
        }
        Source::Lines(input) => {
            for (i, need) in to_ask.iter().enumerate() {
                let mut line = String::new();
                let read = input
                    .read_line(&mut line)
                    .map_err(|e| Error::other(format!("cannot read standard input: {e}")))?;
                if read == 0 {
                    return Err(Error::other(format!(
                        "standard input ended after {i} of {} values; the next one is the {} (order: `mqc login --list`, without the `stored` lines unless --recreate)",
                        to_ask.len(),
                        label(need)
                    )));
                }
                let value = line.trim_end_matches(['\n', '\r']);
                if value.is_empty() {
                    return Err(Error::other(format!(
                        "line {} of standard input (the {}) is empty",
                        i + 1,
                        label(need)
                    )));
                }
                insert(&mut secrets, need, SecretString::from(value.to_string()));
            }
        }
        Source::Prompt(prompter) => {
            for need in &to_ask {
                let value = ask(prompter, need)?;
                insert(&mut secrets, need, value);
            }
        }
    }
    Ok(Collected {
        secrets,
        asked: to_ask.len(),
        kept,
    })
}

/// Asks for `need` with a hidden prompt on the terminal (`mqc export` when the login file has
/// no token for its endpoint).
pub fn ask_on_terminal(need: &Need) -> Result<SecretString, Error> {
    ask(&mut TtyPrompter, need)
}

fn ask(prompter: &mut dyn Prompter, need: &Need) -> Result<SecretString, Error> {
    use secrecy::ExposeSecret;
    let prompt = format!("{} (input hidden): ", label(need));
    for _ in 0..3 {
        let value = prompter
            .secret(&prompt)
            .map_err(|e| Error::other(format!("cannot read the {}: {e}", label(need))))?;
        if !value.expose_secret().trim().is_empty() {
            return Ok(value);
        }
        eprintln!("empty; try again");
    }
    Err(Error::other(format!("no {} given", label(need))))
}

pub fn run(args: &LoginArgs, settings: &Settings) -> Result<Outcome, Error> {
    let needs = load_needs(settings)?;
    let path = &settings.login_file;
    let report = if args.list {
        list(&needs, path)
    } else {
        write(args, &needs, path)?
    };
    report::print(settings.output, &report)?;
    Ok(Outcome::Success)
}

/// The secrets the organization files need; refuses files with errors.
fn load_needs(settings: &Settings) -> Result<Vec<Need>, Error> {
    let loaded = config::load_dir(&settings.dir)?;
    if loaded.has_errors() {
        for finding in loaded.findings.iter().filter(|f| f.is_error()) {
            eprintln!("{finding}");
        }
        return Err(Error::Findings {
            message: format!(
                "the organization files in {} have errors (above); fix them before `mqc login` (`mqc check` shows every problem)",
                settings.dir.display()
            ),
            findings: loaded.findings.into_iter().filter(|f| f.is_error()).collect(),
        });
    }
    Ok(config::needs(&loaded.organizations))
}

/// `--list`: every need, and whether the login file already holds it.
fn list(needs: &[Need], path: &Path) -> LoginReport {
    let existing = config::load_login(path).unwrap_or_else(|e| {
        tracing::warn!("cannot read the existing login file: {e}");
        None
    });
    let entries = needs
        .iter()
        .map(|need| NeedEntry::new(need, existing.as_ref().is_some_and(|s| need.is_met(s))))
        .collect();
    LoginReport::listed(path.to_path_buf(), entries)
}

/// Collects the values from the source the flags choose and writes the login file.
fn write(args: &LoginArgs, needs: &[Need], path: &Path) -> Result<LoginReport, Error> {
    let existing = existing_login(path, args.recreate)?;
    if needs.is_empty() && !args.recreate {
        return Ok(LoginReport {
            login_file: path.to_path_buf(),
            action: LoginAction::Unchanged,
            needs: None,
            totals: LoginTotals::default(),
        });
    }
    let mut prompter = TtyPrompter;
    let lookup = |name: &str| std::env::var(name).ok();
    let stdin = io::stdin();
    let mut lines;
    let (source, recreate) = if args.from_env {
        (Source::Env(&lookup), args.recreate)
    } else if args.from_stdin {
        lines = stdin.lock();
        (Source::Lines(&mut lines), args.recreate)
    } else if stdin.is_terminal() {
        let recreate = args.recreate
            || (existing.is_some()
                && prompter
                    .confirm(&format!(
                        "{} exists: recreate it from scratch?",
                        path.display()
                    ))
                    .map_err(|e| Error::other(format!("cannot read the answer: {e}")))?);
        (Source::Prompt(&mut prompter), recreate)
    } else {
        return Err(Error::Usage(
            "standard input is not a terminal, so mqc cannot prompt: use `--from-env` (MQC_TOKEN_…, MQC_MIRROR_PASSWORD_…) or `--from-stdin` (see `mqc login --list`)".into(),
        ));
    };
    let collected = collect(needs, existing.as_ref(), recreate, source)?;
    config::save_login(path, &LoginFile::from_secrets(&collected.secrets))?;
    Ok(LoginReport {
        login_file: path.to_path_buf(),
        action: LoginAction::Written,
        needs: None,
        totals: LoginTotals {
            tokens: collected.secrets.endpoints().count(),
            mirror_passwords: collected.secrets.mirror_keys().count(),
            asked: collected.asked,
            kept: collected.kept,
        },
    })
}

/// The login file as it is; one that cannot be read is an error unless `--recreate`.
fn existing_login(path: &Path, recreate: bool) -> Result<Option<Secrets>, Error> {
    match config::load_login(path) {
        Ok(existing) => Ok(existing),
        Err(e) if recreate => {
            tracing::warn!("the existing login file cannot be read and will be replaced: {e}");
            Ok(None)
        }
        Err(e) => Err(Error::other(format!(
            "{}\nthe existing login file cannot be read; fix it, or replace it with `mqc login --recreate`",
            e
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Endpoint, MirrorCredentialKey};
    use secrecy::ExposeSecret;
    use std::path::PathBuf;

    /// Answers from a script and records what was asked.
    struct Scripted {
        answers: Vec<&'static str>,
        asked: Vec<String>,
    }

    impl Prompter for Scripted {
        fn secret(&mut self, prompt: &str) -> io::Result<SecretString> {
            self.asked.push(prompt.to_string());
            if self.answers.is_empty() {
                return Err(io::Error::other("no more answers"));
            }
            Ok(SecretString::from(self.answers.remove(0)))
        }
        fn confirm(&mut self, _: &str) -> io::Result<bool> {
            Ok(false)
        }
    }

    fn token(host: &str) -> Need {
        Need::Token {
            endpoint: Endpoint::parse(host).unwrap(),
            files: vec![PathBuf::from("a.yaml")],
        }
    }

    fn mirror() -> Need {
        Need::MirrorPassword {
            key: MirrorCredentialKey {
                organization: "o".into(),
                repository: "r".into(),
                username: "u".into(),
            },
            file: PathBuf::from("a.yaml"),
        }
    }

    fn existing() -> Secrets {
        let mut s = Secrets::default();
        s.insert_token(
            Endpoint::parse("q1.example.com").unwrap(),
            SecretString::from("old-1"),
        );
        s.insert_token(
            Endpoint::parse("gone.example.com").unwrap(),
            SecretString::from("old-gone"),
        );
        s
    }

    fn tok(s: &Secrets, host: &str) -> Option<String> {
        s.token(&Endpoint::parse(host).unwrap())
            .map(|t| t.expose_secret().to_string())
    }

    #[test]
    fn keeps_existing_values_and_asks_only_missing_ones() {
        let needs = [token("q1.example.com"), token("q2.example.com"), mirror()];
        let mut p = Scripted {
            answers: vec!["", "new-2", "pw"],
            asked: vec![],
        };
        let c = collect(&needs, Some(&existing()), false, Source::Prompt(&mut p)).unwrap();
        // The empty answer is asked again.
        assert_eq!(p.asked.len(), 3);
        assert!(p.asked[0].starts_with("Quay token for https://q2.example.com"));
        assert!(p.asked[2].starts_with("password of mirror user `u` for o/r"));
        assert_eq!(tok(&c.secrets, "q1.example.com").as_deref(), Some("old-1"));
        assert_eq!(tok(&c.secrets, "q2.example.com").as_deref(), Some("new-2"));
        assert_eq!(
            tok(&c.secrets, "gone.example.com").as_deref(),
            Some("old-gone"),
            "kept by default"
        );
        assert_eq!((c.asked, c.kept), (2, 1));
    }

    #[test]
    fn recreate_asks_everything_and_drops_what_is_no_longer_needed() {
        let needs = [token("q1.example.com")];
        let mut p = Scripted {
            answers: vec!["new-1"],
            asked: vec![],
        };
        let c = collect(&needs, Some(&existing()), true, Source::Prompt(&mut p)).unwrap();
        assert_eq!(tok(&c.secrets, "q1.example.com").as_deref(), Some("new-1"));
        assert_eq!(tok(&c.secrets, "gone.example.com"), None);
    }

    #[test]
    fn env_source_lists_every_missing_token() {
        let needs = [
            token("q1.example.com:8443"),
            token("q2.example.com"),
            token("q3.example.com"),
            mirror(),
        ];
        let lookup = |name: &str| (name == "MQC_TOKEN_Q2_EXAMPLE_COM").then(|| "t2".to_string());
        let err = collect(&needs, None, false, Source::Env(&lookup))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "missing or empty: MQC_TOKEN_Q1_EXAMPLE_COM_8443, MQC_TOKEN_Q3_EXAMPLE_COM (see"
            ),
            "{err}"
        );
        assert!(!err.contains("t2"));
    }

    #[test]
    fn env_source_without_mirror_passwords_still_writes_the_tokens() {
        // A CI job that only plans holds the tokens, not the registry passwords.
        let needs = [token("q1.example.com"), mirror()];
        let lookup = |name: &str| (name == "MQC_TOKEN_Q1_EXAMPLE_COM").then(|| "t1".to_string());
        let c = collect(&needs, None, false, Source::Env(&lookup)).unwrap();
        assert_eq!(tok(&c.secrets, "q1.example.com").as_deref(), Some("t1"));
        assert_eq!(c.secrets.mirror_keys().count(), 0);
    }

    #[test]
    fn stdin_source_reads_one_line_per_missing_need() {
        let needs = [token("q1.example.com"), token("q2.example.com"), mirror()];
        let mut input = io::Cursor::new("t2\r\npw\nextra\n");
        let c = collect(&needs, Some(&existing()), false, Source::Lines(&mut input)).unwrap();
        assert_eq!(tok(&c.secrets, "q2.example.com").as_deref(), Some("t2"));
        let mut short = io::Cursor::new("t2\n");
        let err = collect(&needs, Some(&existing()), false, Source::Lines(&mut short))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ended after 1 of 2 values"), "{err}");
    }

    #[test]
    fn list_lines() {
        assert_eq!(
            list_line(&token("q1.example.com"), true),
            "token https://q1.example.com env=MQC_TOKEN_Q1_EXAMPLE_COM stored"
        );
        assert_eq!(
            list_line(&mirror(), false),
            "mirror-password o/r user=u env=MQC_MIRROR_PASSWORD_O_R_U"
        );
    }
}
