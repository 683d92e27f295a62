//! mqc, the Mass Quay Configurator, as a library: the binary in `main.rs` is a thin shell over
//! [`commands::run`]. Module map (see docs/architecture in the README):
//!
//! - [`config`]: organization files and the login file (the only module that knows YAML);
//! - [`model`]: the organization model shared by every stage;
//! - [`quay`]: the Quay API client (the only module that knows Quay's URLs and JSON);
//! - [`state`]: reads an organization from Quay into the model;
//! - [`plan`]: the pure diff of desired and actual state;
//! - [`apply`]: runs a plan phase by phase;
//! - [`report`]: human and JSON renderings of plans and results;
//! - [`commands`]: one module per subcommand.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod logging;
pub mod model;
pub mod plan;
pub mod quay;
pub mod report;
pub mod settings;
pub mod state;
