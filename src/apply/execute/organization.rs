//! Writes of the organization itself.

use super::{create_once, Context};
use crate::plan::OrganizationOp;
use crate::quay::{Orgs, QuayError};

pub(super) async fn execute(cx: &Context<'_>, op: &OrganizationOp) -> Result<(), QuayError> {
    let orgs = cx.client.orgs(cx.org);
    match op {
        OrganizationOp::CreateOrganization { email } => {
            create_once(
                || orgs.create(email.as_deref()),
                || async { Ok(orgs.get().await?.is_some()) },
                Orgs::is_duplicate,
            )
            .await
        }
        OrganizationOp::UpdateOrganizationEmail { to, .. } => orgs.update_email(to).await,
    }
}
