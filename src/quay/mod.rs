//! The Quay API client: the only module that knows Quay's URLs and wire JSON.
//!
//! One [`QuayClient`] per endpoint (cheap to clone), one `reqwest::Client` inside it, and one
//! funnel ([`QuayClient::send`]) that every request goes through: connection bound, the global
//! rate limiter, bearer token, timeout, retry and error mapping. The API areas are borrowed
//! handlers (`client.robots("acme").create(..)`) with typed request and answer structs, one file
//! per area, in the manner of octocrab.

mod auto_prune;
mod client;
mod counter;
mod error;
mod identity;
mod immutability;
mod mirror;
mod notifications;
mod orgs;
mod pace;
mod pages;
mod paths;
mod permissions;
mod prototypes;
mod repos;
pub mod retry;
mod robots;
mod superuser;
mod teams;

pub use auto_prune::AutoPrune;
pub use client::{ClientOptions, Limiter, QuayClient, RequestStats};
pub use counter::{RequestCounter, RequestCounts};
pub use error::{endpoint_name, QuayError, RequestContext};
pub use identity::{Capabilities, Features, Whoami, WhoamiOrganization};
pub use immutability::Immutability;
pub use mirror::{
    format_start_date, MirrorConfigView, MirrorCredentials, MirrorHandler, MirrorProxy,
    MirrorRegistryConfig, MirrorRequest, MirrorRootRule, MirrorView, SKOPEO_TIMEOUT_SECONDS,
};
pub use notifications::{NotificationRequest, NotificationView, Notifications, WebhookConfig};
pub use orgs::{OrgTeamView, OrgView, Orgs};
pub use pace::PaceReport;
pub use paths::{robot_full_name, robot_short_name};
pub use permissions::{Permissions, TeamPermissionView, UserPermissionView};
pub use prototypes::Prototypes;
pub use repos::{RepoView, Repos};
pub use retry::RetryPolicy;
pub use robots::{RobotView, Robots};
pub use superuser::Superuser;
pub use teams::{
    MemberEntry, MemberView, SyncedView, TeamMembersView, TeamRepoName, TeamRepoPermission,
    TeamView, Teams,
};
