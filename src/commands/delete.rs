//! `mqc delete`: delete the declared organizations on every endpoint they are declared for.
//! Shows what it will delete, asks on a terminal, and needs `--yes` otherwise.

use std::io::{BufRead, IsTerminal, Write};

use futures::StreamExt;
use serde::Serialize;

use super::session;
use super::Outcome;
use crate::apply::execute::{self, DeleteOutcome};
use crate::cli::{DeleteArgs, OutputFormat};
use crate::config::SecretsUsed;
use crate::error::Error;
use crate::plan::Target;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum DeleteResult {
    Deleted,
    AlreadyAbsent,
    Failed { error: String },
    WouldDelete,
}

#[derive(Debug, Clone, Serialize)]
struct DeleteEntry {
    #[serde(flatten)]
    target: Target,
    #[serde(flatten)]
    result: DeleteResult,
}

#[derive(Debug, Clone, Serialize)]
struct DeleteReport {
    dry_run: bool,
    targets: Vec<DeleteEntry>,
}

pub fn run(settings: &crate::settings::Settings, args: &DeleteArgs) -> Result<Outcome, Error> {
    let organizations = session::load_organizations(settings, &args.organizations)?;
    let secrets = session::load_secrets(settings, &organizations, SecretsUsed::Tokens)?;
    let targets: Vec<Target> = session::targets(&organizations)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let human = settings.output == OutputFormat::Human;

    if human || args.dry_run {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "mqc delete removes these organizations with all their repositories, images, robots and teams:");
        for target in &targets {
            let _ = writeln!(err, "  - {target}");
        }
    }
    if args.dry_run {
        let report = DeleteReport {
            dry_run: true,
            targets: targets
                .into_iter()
                .map(|target| DeleteEntry {
                    target,
                    result: DeleteResult::WouldDelete,
                })
                .collect(),
        };
        print(settings, &report)?;
        return Ok(Outcome::Success);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "mqc delete needs --yes when stdin is not a terminal (nothing was deleted)".into(),
            ));
        }
        eprint!("Type `yes` to delete {} organization(s): ", targets.len());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Error::other(format!("cannot read the answer: {e}")))?;
        if answer.trim() != "yes" {
            eprintln!("Nothing deleted.");
            return Ok(Outcome::Failed);
        }
    }

    let runtime = session::runtime()?;
    let results = runtime.block_on(async {
        let clients = session::clients(settings, &secrets, targets.iter().map(|t| &t.endpoint));
        // Quay shows an anonymous caller (a wrong token) no organization: without this check
        // every organization would be reported "already absent".
        let whoami = session::check_tokens(&clients).await;
        futures::stream::iter(targets.iter())
            .map(|target| {
                let client = clients.get(&target.endpoint);
                let who = whoami.get(&target.endpoint);
                async move {
                    let result = match (client, who) {
                        (_, Some(Err(reason))) => DeleteResult::Failed {
                            error: reason.clone(),
                        },
                        (Some(Ok(client)), _) => {
                            match execute::delete_organization(client, &target.organization).await {
                                Ok(DeleteOutcome::Deleted) => DeleteResult::Deleted,
                                Ok(DeleteOutcome::Absent) => DeleteResult::AlreadyAbsent,
                                Err(err) => DeleteResult::Failed {
                                    error: err.to_string(),
                                },
                            }
                        }
                        (Some(Err(reason)), _) => DeleteResult::Failed {
                            error: reason.clone(),
                        },
                        (None, _) => DeleteResult::Failed {
                            error: "no client".into(),
                        },
                    };
                    DeleteEntry {
                        target: target.clone(),
                        result,
                    }
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
    });
    let mut results = results;
    results.sort_by(|a, b| a.target.cmp(&b.target));
    let failed = results
        .iter()
        .any(|e| matches!(e.result, DeleteResult::Failed { .. }));
    print(
        settings,
        &DeleteReport {
            dry_run: false,
            targets: results,
        },
    )?;
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

fn print(settings: &crate::settings::Settings, report: &DeleteReport) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let result = if settings.output == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        report
            .targets
            .iter()
            .try_for_each(|DeleteEntry { target, result }| match result {
                DeleteResult::Deleted => writeln!(out, "- deleted {target}"),
                DeleteResult::AlreadyAbsent => writeln!(out, "  {target}: already absent"),
                DeleteResult::Failed { error } => writeln!(out, "✗ {target}: {error}"),
                DeleteResult::WouldDelete => writeln!(out, "- would delete {target}"),
            })
    };
    result.map_err(|e| Error::other(format!("cannot write to stdout: {e}")))
}
