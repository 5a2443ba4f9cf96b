#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    hr_connectors::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build is a library loaded by the page; this binary only exists with `ssr`.
}
