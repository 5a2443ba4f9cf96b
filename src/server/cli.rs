//! Command line of the server binary.

use std::process::ExitCode;

const USAGE: &str = "\
HR Connectors server

USAGE:
    hr-connectors [serve]           Run the web app (configuration from environment variables)
    hr-connectors reseal-secrets    Re-encrypt stored secrets with APP_SECRET_KEY, then exit
    hr-connectors --help            Show this help

See README.md, \"Configuration\", for the environment variables.";

pub async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => match super::startup::serve().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("hr-connectors: {err}");
                ExitCode::FAILURE
            }
        },
        Some("reseal-secrets") => match super::startup::reseal_secrets().await {
            Ok(report) => {
                println!(
                    "re-encrypted {} secrets with key {}; {} could not be opened",
                    report.resealed, report.key_fingerprint, report.unreadable
                );
                if report.changed_meanwhile > 0 {
                    println!(
                        "{} changed while this ran and were left as written; run it again to check them",
                        report.changed_meanwhile
                    );
                }
                // Non-zero so a rotation script stops before the old key is dropped.
                if report.unreadable > 0 {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(err) => {
                eprintln!("hr-connectors: {err}");
                ExitCode::FAILURE
            }
        },
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("hr-connectors: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
