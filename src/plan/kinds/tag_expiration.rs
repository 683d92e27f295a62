//! The organization's time machine (`tag_expiration_s`): one value, set in place.

use serde::Serialize;

use super::KindOp;
use crate::model::duration_text;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TagExpirationOp {
    /// Seconds; `from` is `None` for an organization this plan creates.
    SetTagExpiration { from: Option<u64>, to: u64 },
}

impl KindOp for TagExpirationOp {
    fn phase(&self) -> Phase {
        Phase::Organizations
    }

    fn kind(&self) -> ChangeKind {
        ChangeKind::Update
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Organization
    }

    /// After the organization's creation and its email.
    fn rank(&self) -> u8 {
        2
    }

    fn describe(&self, org: &str) -> String {
        let TagExpirationOp::SetTagExpiration { from, to } = self;
        match from {
            Some(from) => format!(
                "time machine of {org} (deleted tags kept): {} → {}",
                duration_text(*from),
                duration_text(*to)
            ),
            None => format!(
                "time machine of {org} (deleted tags kept): {}",
                duration_text(*to)
            ),
        }
    }
}
