//! Planner tests: one module per kind of rule, the safety threshold, and the convergence
//! property against a small simulated Quay.

pub(crate) mod builders;
mod convergence;
mod default_permissions;
mod members;
mod mirrors;
mod notifications;
mod ordering;
mod organization;
mod permissions;
mod policies;
mod problems;
mod repositories;
mod robots;
mod safety;
mod sim;
mod teams;
