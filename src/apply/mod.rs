//! Runs a plan phase by phase.
