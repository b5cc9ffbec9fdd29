//! The `chatpass` command: operator tools that use the same signing code as the functions.
//! This file only parses arguments, dispatches to `commands`, and turns outcomes into exit codes.

use chatpass::commands::{self, Failure, Report};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Sign users into chat widgets, check webhooks, explain tokens, make keys, manage projects.
#[derive(Parser)]
#[command(name = "chatpass", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Sign(commands::sign::Args),
    VerifyWebhook(commands::verify_webhook::Args),
    Explain(commands::explain::Args),
    Keygen(commands::keygen::Args),
    Serve(commands::serve::Args),
    Project(commands::project::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Sign(args) => commands::sign::run(args),
        Command::VerifyWebhook(args) => commands::verify_webhook::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Keygen(args) => commands::keygen::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Project(args) => commands::project::run(args),
    };
    match result {
        Ok(Report { text, accepted }) => {
            write(&mut std::io::stdout(), &text);
            ExitCode::from(if accepted { 0 } else { 1 })
        }
        Err(Failure::Problem(problem)) => {
            write(&mut std::io::stderr(), &format!("{problem:#}\n"));
            ExitCode::from(1)
        }
        Err(Failure::Refused(message)) => {
            write(&mut std::io::stderr(), &format!("error: {message}\n"));
            ExitCode::from(1)
        }
        Err(Failure::Unable(message)) => {
            write(&mut std::io::stderr(), &format!("error: {message}\n"));
            ExitCode::from(2)
        }
    }
}

/// Writes everything, ignoring a closed pipe (`chatpass explain ... | head`).
fn write(out: &mut dyn Write, text: &str) {
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
