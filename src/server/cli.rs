//! Command line of the server binary.

use std::process::ExitCode;

const USAGE: &str = "\
HR Connectors server

USAGE:
    hr-connectors [serve]           Run the web app (configuration from environment variables)
    hr-connectors reseal-secrets    Re-encrypt stored secrets with APP_SECRET_KEY, then exit
    hr-connectors create-account --name NAME --admin-email EMAIL [--admin-name NAME]
                                    Create a client account and invite its first admin: prints
                                    a single-use set-up link (also emailed)
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
        Some("create-account") => create_account(&args[1..]).await,
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

/// The values of `--flag value` (or `--flag=value`) pairs; an unknown flag or a flag without a
/// value is an error, so a typo never creates a half-described account.
fn flags<'a>(
    args: &'a [String],
    known: &[&str],
) -> Result<std::collections::HashMap<String, &'a str>, String> {
    let mut out = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (arg.as_str(), None),
        };
        if !known.contains(&flag) {
            return Err(format!("unknown option {flag:?}"));
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .map(String::as_str)
                .ok_or_else(|| format!("{flag} needs a value"))?,
        };
        out.insert(flag.trim_start_matches("--").to_owned(), value);
    }
    Ok(out)
}

async fn create_account(args: &[String]) -> ExitCode {
    let parsed = match flags(args, &["--name", "--admin-email", "--admin-name"]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("hr-connectors create-account: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (Some(name), Some(email)) = (parsed.get("name"), parsed.get("admin-email")) else {
        eprintln!("hr-connectors create-account: --name and --admin-email are required\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let admin_name = parsed.get("admin-name").copied().unwrap_or("");
    match super::startup::create_account(name, email, admin_name).await {
        Ok(done) => {
            println!("Created the account {name:?} ({}).", done.account_id);
            println!(
                "Its first admin, {email}, sets a password with this single-use link (valid 7 days, also emailed):"
            );
            println!("{}", done.link);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("hr-connectors create-account: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_flags_in_both_forms_and_refuses_unknown_ones() {
        let a = args(&["--name", "Acme Ltd", "--admin-email=ada@acme.example"]);
        let f = flags(&a, &["--name", "--admin-email"]).unwrap();
        assert_eq!(f["name"], "Acme Ltd");
        assert_eq!(f["admin-email"], "ada@acme.example");
        assert!(flags(&args(&["--nmae", "x"]), &["--name"]).is_err());
        assert!(flags(&args(&["--name"]), &["--name"]).is_err());
    }
}
