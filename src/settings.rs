//! Settings resolved once from the command line and the environment; commands see only these.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::model::{Endpoint, Secrets};

/// How mqc checks the TLS certificates of Quay endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsVerify {
    /// The system's web roots plus any extra CA files given with `--ca-cert`.
    Verify { extra_ca_files: Vec<PathBuf> },
    /// Accept any certificate (`--tls-verify false`): for labs only.
    Insecure,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub dir: PathBuf,
    pub login_file: PathBuf,
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
            login_file: args.login_file.clone(),
            max_requests_per_second: args.max_requests_per_second,
            timeout: Duration::from_secs(args.timeout),
            max_connections_per_endpoint: args.max_connections as usize,
            tls,
            output: args.output,
            endpoint_map: args.endpoint_map.clone(),
        }
    }

    /// Where requests for `endpoint` go: its `--endpoint-map` target, or itself.
    pub fn route(&self, endpoint: &Endpoint) -> Endpoint {
        self.endpoint_map
            .iter()
            .find(|(from, _)| from == endpoint)
            .map_or_else(|| endpoint.clone(), |(_, to)| to.clone())
    }

    /// Gives every `--endpoint-map` target the token stored for the endpoint it stands for.
    pub fn route_tokens(&self, secrets: &mut Secrets) {
        for (from, to) in &self.endpoint_map {
            secrets.alias_endpoint(from, to);
        }
    }
}
