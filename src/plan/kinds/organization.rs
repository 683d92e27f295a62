//! The organization itself.

use serde::Serialize;

use super::KindOp;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OrganizationOp {
    CreateOrganization { email: Option<String> },
    UpdateOrganizationEmail { from: Option<String>, to: String },
}

impl KindOp for OrganizationOp {
    fn phase(&self) -> Phase {
        Phase::Organizations
    }

    fn kind(&self) -> ChangeKind {
        match self {
            OrganizationOp::CreateOrganization { .. } => ChangeKind::Create,
            OrganizationOp::UpdateOrganizationEmail { .. } => ChangeKind::Update,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Organization
    }

    fn creates(&self) -> Option<ObjectRef> {
        matches!(self, OrganizationOp::CreateOrganization { .. }).then_some(ObjectRef::Organization)
    }

    fn rank(&self) -> u8 {
        match self {
            OrganizationOp::CreateOrganization { .. } => 0,
            OrganizationOp::UpdateOrganizationEmail { .. } => 1,
        }
    }

    fn describe(&self, org: &str) -> String {
        match self {
            OrganizationOp::CreateOrganization { email: Some(email) } => {
                format!("create organization {org} (email {email})")
            }
            OrganizationOp::CreateOrganization { email: None } => {
                format!("create organization {org}")
            }
            OrganizationOp::UpdateOrganizationEmail { from, to } => format!(
                "organization {org} email {} → {to}",
                from.as_deref().unwrap_or("(none)")
            ),
        }
    }
}
