//! quay-sim's own tests: every endpoint's success and error answers (status, body shape and
//! text) against quay-api.md / quay-observed.md, driven over HTTP like a real client.

mod util;

mod auto_prune;
mod features;
mod identity;
mod immutability;
mod mirror;
mod notifications;
mod organizations;
mod permissions;
mod prototypes;
mod quota;
mod real_quay;
mod repositories;
mod robots;
mod server;
mod teams;
