//! Writes of the organization's time machine.

use super::Context;
use crate::plan::TagExpirationOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &TagExpirationOp) -> Result<(), QuayError> {
    let TagExpirationOp::SetTagExpiration { to, .. } = op;
    cx.client.tag_expiration(cx.org).set(*to).await
}
