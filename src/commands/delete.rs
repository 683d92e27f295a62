//! `mqc delete`: delete the declared organizations on every endpoint they are declared for.
//! Shows what it will delete, asks on a terminal, and needs `--yes` otherwise.

use std::io::{BufRead, IsTerminal, Write};

use super::session;
use super::Outcome;
use crate::apply::execute::{self, DeleteOutcome};
use crate::cli::{DeleteArgs, OutputFormat};
use crate::config::SecretsUsed;
use crate::error::{Error, Failure};
use crate::model::Secrets;
use crate::plan::Target;
use crate::report::{
    self,
    delete::{DeleteEntry, DeleteReport, DeleteResult},
};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &DeleteArgs) -> Result<Outcome, Error> {
    let organizations = session::load_organizations(settings, &args.organizations)?;
    let secrets = session::load_secrets(settings, &organizations, SecretsUsed::Tokens)?;
    let targets: Vec<Target> = session::targets(&organizations)
        .into_iter()
        .map(|(t, _)| t)
        .collect();

    if settings.output == OutputFormat::Human || args.dry_run {
        let _ = report::delete::write_warning(&mut std::io::stderr().lock(), &targets);
    }
    if args.dry_run {
        let entries = targets
            .into_iter()
            .map(|target| DeleteEntry {
                target,
                result: DeleteResult::WouldDelete,
            })
            .collect();
        report::print(settings.output, &DeleteReport::new(true, entries))?;
        return Ok(Outcome::Success);
    }
    if !args.yes {
        confirm(targets.len())?;
    }

    let mut results = session::runtime()?.block_on(delete_all(settings, &secrets, &targets));
    results.sort_by(|a, b| a.target.cmp(&b.target));
    let report = DeleteReport::new(false, results);
    report::print(settings.output, &report)?;
    Ok(if report.totals.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

/// Asks on the terminal; off a terminal `--yes` is required.
fn confirm(count: usize) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "mqc delete needs --yes when stdin is not a terminal (nothing was deleted)".into(),
        ));
    }
    eprint!("Type `yes` to delete {count} organization(s): ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::other(format!("cannot read the answer: {e}")))?;
    if answer.trim() != "yes" {
        return Err(Error::other(
            "nothing deleted: only `yes` confirms (`--yes` skips the question)",
        ));
    }
    Ok(())
}

/// Deletes every target, concurrently, after one token check per endpoint: Quay shows an
/// anonymous caller (a wrong token) no organization, so without it every organization would
/// be reported "already absent".
async fn delete_all(
    settings: &Settings,
    secrets: &Secrets,
    targets: &[Target],
) -> Vec<DeleteEntry> {
    let clients = session::clients(settings, secrets, targets.iter().map(|t| &t.endpoint));
    let whoami = session::check_tokens(&clients).await;
    session::fan_out(targets.iter(), session::ENDPOINT_CONCURRENCY, |target| {
        let client = clients.get(&target.endpoint);
        let who = whoami.get(&target.endpoint);
        async move {
            let result = match (client, who) {
                (_, Some(Err(reason))) | (Some(Err(reason)), _) => {
                    DeleteResult::Failed(reason.clone())
                }
                (Some(Ok(client)), _) => {
                    match execute::delete_organization(client, &target.organization).await {
                        Ok(DeleteOutcome::Deleted) => DeleteResult::Deleted,
                        Ok(DeleteOutcome::Absent) => DeleteResult::AlreadyAbsent,
                        Err(err) => DeleteResult::Failed(Failure::from_quay(&err)),
                    }
                }
                (None, _) => {
                    DeleteResult::Failed(Failure::at_endpoint(&target.endpoint, "no client"))
                }
            };
            DeleteEntry {
                target: target.clone(),
                result,
            }
        }
    })
    .await
}
