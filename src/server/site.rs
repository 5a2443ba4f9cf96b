//! Where the built site (wasm, JS, CSS, public assets) is and which address to serve on.
//!
//! Under `cargo leptos`, the tool passes these as `LEPTOS_*` variables. A server started on its
//! own reads `Leptos.toml` instead (path in `LEPTOS_CONFIG`, default `./Leptos.toml`), and any
//! `LEPTOS_*` variable still overrides the file.

use leptos::config::{LeptosOptions, get_configuration};

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} has no [leptos] table")]
    NoTable { path: String },
    #[error("invalid site configuration: {0}")]
    Invalid(String),
}

pub fn options() -> Result<LeptosOptions, SiteError> {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        return get_configuration(None)
            .map(|c| c.leptos_options)
            .map_err(|e| SiteError::Invalid(e.to_string()));
    }
    let path = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".to_owned());
    let text = std::fs::read_to_string(&path).map_err(|source| SiteError::Read {
        path: path.clone(),
        source,
    })?;
    from_leptos_toml(&text).map_err(|e| match e {
        SiteError::NoTable { .. } => SiteError::NoTable { path },
        other => other,
    })
}

/// `Leptos.toml` keeps the same keys as cargo-leptos's `[package.metadata.leptos]` under a short
/// `[leptos]` heading; Leptos's own loader (with its `LEPTOS_*` overrides) only recognises the
/// long heading, so it is renamed before parsing.
pub fn from_leptos_toml(text: &str) -> Result<LeptosOptions, SiteError> {
    let start = text
        .lines()
        .position(|l| l.trim() == "[leptos]")
        .ok_or(SiteError::NoTable {
            path: "Leptos.toml".into(),
        })?;
    let renamed: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == start {
                "[package.metadata.leptos]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    leptos::config::get_config_from_str(&renamed).map_err(|e| SiteError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_project_leptos_toml() {
        let text = include_str!("../../Leptos.toml");
        let options = from_leptos_toml(text).unwrap();
        assert_eq!(&*options.output_name, "hr-connectors");
        assert_eq!(&*options.site_pkg_dir, "pkg");
    }

    #[test]
    fn explains_a_file_without_the_table() {
        assert!(matches!(
            from_leptos_toml("site-root = \"x\""),
            Err(SiteError::NoTable { .. })
        ));
    }
}
