//! The Quay API client: the only module that knows Quay's URLs and wire JSON.
//!
//! One [`QuayClient`] per endpoint (cheap to clone), one `reqwest::Client` inside it, and one
//! funnel ([`QuayClient::send`]) that every request goes through: connection bound, the global
//! rate limiter, bearer token, timeout, retry and error mapping. The API areas are borrowed
//! handlers (`client.robots("acme").create(..)`), one file per area, in the manner of octocrab.
//! Handlers take and return model types (or a small summary type where the model has none);
//! the wire structs and Quay's quirks stay private to the file of the area they concern, and a
//! value Quay sends that this mqc does not know is never fatal (`lenient.rs`).

mod auto_prune;
mod client;
mod counter;
mod error;
mod federation;
mod identity;
mod immutability;
mod lenient;
mod mirror;
mod notifications;
mod orgs;
mod pace;
mod pages;
mod paths;
mod permissions;
mod prototypes;
mod quota;
mod repos;
pub mod retry;
mod robots;
mod superuser;
mod tag_expiration;
mod teams;

pub use auto_prune::AutoPrune;
pub use client::{ClientOptions, Limiter, QuayClient, RequestStats, TlsVerify};
pub use counter::{RequestCounter, RequestCounts};
pub use error::{endpoint_name, QuayError, RequestContext};
pub use federation::RobotFederation;
pub use identity::{Capabilities, Features, Whoami, WhoamiOrganization};
pub use immutability::Immutability;
pub use mirror::MirrorHandler;
pub use notifications::Notifications;
pub use orgs::{OrgSummary, OrgTeam, Orgs};
pub use pace::PaceReport;
pub use paths::{robot_full_name, robot_short_name};
pub use permissions::{Permissions, UserGrants};
pub use prototypes::Prototypes;
pub use quota::OrgQuota;
pub use repos::Repos;
pub use retry::RetryPolicy;
pub use robots::Robots;
pub use superuser::Superuser;
pub use tag_expiration::TagExpiration;
pub use teams::{TeamMembership, Teams};
