//! Settings resolved once from the command line and the environment; commands see only these.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::model::Endpoint;
use crate::quay::{ClientOptions, RetryPolicy};

/// The client's TLS setting, resolved here from `--tls-verify` and `--ca-cert`.
pub use crate::quay::TlsVerify;

/// Where the login file is when `--login-file` does not say.
pub const DEFAULT_LOGIN_FILE: &str = ".mqc/login.yaml";

#[derive(Debug, Clone)]
pub struct Settings {
    pub dir: PathBuf,
    pub login_file: PathBuf,
    /// The login file was named with `--login-file` or `MQC_LOGIN_FILE`, not defaulted.
    pub login_file_explicit: bool,
    pub max_requests_per_second: NonZeroU32,
    pub timeout: Duration,
    pub max_connections_per_endpoint: usize,
    pub tls: TlsVerify,
    pub output: OutputFormat,
    /// `--endpoint-map`: requests for the first endpoint go to the second.
    pub endpoint_map: Vec<(Endpoint, Endpoint)>,
}

impl Settings {
    pub fn from_args(args: &GlobalArgs) -> Settings {
        let tls = if args.tls_verify {
            TlsVerify::Verify {
                extra_ca_files: args.ca_cert.clone(),
            }
        } else {
            TlsVerify::Insecure
        };
        Settings {
            dir: args.dir.clone(),
            login_file: args
                .login_file
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_LOGIN_FILE)),
            login_file_explicit: args.login_file.is_some(),
            max_requests_per_second: args.max_requests_per_second,
            timeout: Duration::from_secs(args.timeout),
            max_connections_per_endpoint: args.max_connections as usize,
            tls,
            output: args.output,
            endpoint_map: args.endpoint_map.clone(),
        }
    }

    /// What the Quay client needs of these settings.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            timeout: self.timeout,
            max_connections: self.max_connections_per_endpoint,
            ceiling: f64::from(self.max_requests_per_second.get()),
            tls: self.tls.clone(),
            retry: RetryPolicy::default(),
        }
    }

    /// Where requests for `endpoint` go: its `--endpoint-map` target, or itself.
    pub fn route(&self, endpoint: &Endpoint) -> Endpoint {
        self.endpoint_map
            .iter()
            .find(|(from, _)| from == endpoint)
            .map_or_else(|| endpoint.clone(), |(_, to)| to.clone())
    }

    /// Checks that every `--endpoint-map` FROM names one of `known` (the endpoints of the
    /// files): a misspelt FROM would otherwise be ignored, and a rehearsal meant for a lab
    /// would go to the real host. The error names the closest known endpoint.
    pub fn check_endpoint_map<'a>(
        &self,
        known: impl IntoIterator<Item = &'a Endpoint> + Clone,
    ) -> Result<(), String> {
        for (from, _) in &self.endpoint_map {
            if known.clone().into_iter().any(|e| e == from) {
                continue;
            }
            let closest = known
                .clone()
                .into_iter()
                .min_by_key(|e| strsim::levenshtein(e.host(), from.host()));
            let mut message = format!(
                "--endpoint-map {from}=…: no organization file names the endpoint {from}, so \
                 this mapping would change nothing and requests would go to the real endpoints"
            );
            match closest {
                Some(closest) => {
                    message.push_str(&format!("; did you mean {}?", closest.host()));
                }
                None => message.push_str("; the files name no endpoint at all"),
            }
            return Err(message);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(args: &[&str]) -> Settings {
        let args =
            crate::cli::Args::try_parse_from(["mqc"].iter().chain(args).chain(&["check"]).copied())
                .unwrap();
        Settings::from_args(&args.global)
    }

    fn endpoints(names: &[&str]) -> Vec<Endpoint> {
        names.iter().map(|n| Endpoint::parse(n).unwrap()).collect()
    }

    #[test]
    fn an_endpoint_map_from_no_file_is_refused_with_the_closest_endpoint() {
        let s = settings(&["--endpoint-map", "quay.corp.exmaple.com=http://127.0.0.1:9"]);
        let known = endpoints(&["quay.corp.example.com", "quay-dr.example.com"]);
        let err = s.check_endpoint_map(&known).unwrap_err();
        assert_eq!(
            err,
            "--endpoint-map https://quay.corp.exmaple.com=…: no organization file names the \
             endpoint https://quay.corp.exmaple.com, so this mapping would change nothing and \
             requests would go to the real endpoints; did you mean quay.corp.example.com?"
        );
        let s = settings(&["--endpoint-map", "quay.corp.example.com=http://127.0.0.1:9"]);
        assert_eq!(s.check_endpoint_map(&known), Ok(()));
    }

    #[test]
    fn the_login_file_is_explicit_only_when_named() {
        let s = settings(&[]);
        assert_eq!(s.login_file, PathBuf::from(DEFAULT_LOGIN_FILE));
        assert!(!s.login_file_explicit);
        let s = settings(&["--login-file", DEFAULT_LOGIN_FILE]);
        assert!(s.login_file_explicit);
    }
}
