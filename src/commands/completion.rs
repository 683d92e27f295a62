//! `mqc completion <shell>`: the script comes from the same clap definition as the parser.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Outcome;
use crate::cli::Args;
use crate::error::Error;

pub fn run(shell: Shell) -> Result<Outcome, Error> {
    let mut command = Args::command();
    clap_complete::generate(shell, &mut command, "mqc", &mut std::io::stdout());
    Ok(Outcome::Success)
}
