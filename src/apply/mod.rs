//! Runs a plan phase by phase.
pub mod execute;
