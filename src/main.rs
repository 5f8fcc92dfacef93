use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pledgecheck::cli::Cli::parse();
    pledgecheck::cli::run(cli).unwrap_or_else(|error| pledgecheck::cli::report_error(&error))
}
