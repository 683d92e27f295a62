//! `quota`: the organization's storage quota and its limits.
//!
//! ```yaml
//! quota:                      # absent = not managed
//!   limit: 500 GiB            # KiB MiB GiB TiB (binary), KB MB GB TB (decimal), B
//!   limits:                   # the exact list (absent = none)
//!     - {type: warning, threshold_percent: 80}
//!     - {type: reject, threshold_percent: 100}
//! ```

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::decode::{Decoder, Fields};
use crate::config::validate::Checker;
use crate::model::{size_bytes, size_text, Quota, QuotaLimit, QuotaLimitKind};

/// The keys of the section's maps.
pub mod keys {
    pub const QUOTA: &[&str] = &["limit", "limits"];
    pub const LIMIT: &[&str] = &["type", "threshold_percent"];
}

/// The organization's storage quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct QuotaEntry {
    /// The size: a whole number and a unit, binary (`KiB`, `MiB`, `GiB`, `TiB`) or decimal
    /// (`KB`, `MB`, `GB`, `TB`), e.g. `500 GiB`. Sent to Quay in bytes.
    pub limit: String,
    /// What happens at a share of the quota: the exact list (absent = none). A quota without
    /// a `reject` limit refuses nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(default)]
    pub limits: Vec<QuotaLimitEntry>,
}

/// One limit of the quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct QuotaLimitEntry {
    /// `warning` (notifies) or `reject` (refuses pushes).
    #[serde(rename = "type")]
    pub kind: QuotaLimitKind,
    /// The share of the quota, 1–100.
    pub threshold_percent: i64,
    /// Its place in the file's list (a malformed entry before it is left out).
    #[serde(skip)]
    #[schemars(skip)]
    pub at: usize,
}

const SECTION: &str = "quota";

impl Decoder<'_> {
    /// The section, `None` when absent (or malformed: reported).
    pub(in crate::config) fn quota(&mut self, top: &Fields) -> Option<QuotaEntry> {
        let node = top.get(SECTION)?;
        let f = self.fields(node, SECTION, "a quota map", keys::QUOTA)?;
        let limit = self.text(&f, "limit", Some("<size, e.g. 500 GiB>"));
        let mut limits = Vec::new();
        for (at, (path, item)) in self
            .list(&f, "limits")
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let Some(l) = self.fields(item, &path, "a quota limit map", keys::LIMIT) else {
                continue;
            };
            let kind = self.choice(
                &l,
                "type",
                &[
                    ("warning", QuotaLimitKind::Warning),
                    ("reject", QuotaLimitKind::Reject),
                ],
                true,
            );
            let percent = self.whole_number(&l, "threshold_percent", "<1-100>");
            if let (Some(kind), Some(threshold_percent)) = (kind, percent) {
                limits.push(QuotaLimitEntry {
                    kind,
                    threshold_percent,
                    at,
                });
            }
        }
        Some(QuotaEntry {
            limit: limit?,
            limits,
        })
    }

    /// A required whole number (range checks are `check`'s).
    pub(in crate::config) fn whole_number(
        &mut self,
        f: &Fields,
        key: &str,
        what: &str,
    ) -> Option<i64> {
        let Some(node) = f.get(key) else {
            self.missing(f, key, what);
            return None;
        };
        let value = node
            .scalar()
            .and_then(|s| s.as_int())
            .and_then(|n| i64::try_from(n).ok());
        if value.is_none() {
            self.error(
                node.pos,
                format!(
                    "`{}` must be a whole number, found {}",
                    f.path(key),
                    node.describe()
                ),
                None,
            );
        }
        value
    }
}

/// Checks the size and its unit, the percents (1–100) and that no limit is given twice.
pub(in crate::config) fn check(c: &mut Checker<'_>, entry: &QuotaEntry) {
    match size_bytes(&entry.limit) {
        Some(0) => c.error(
            &format!("{SECTION}.limit"),
            "`quota.limit` must be greater than 0".into(),
            Some("give a size such as `500 GiB`, or remove `quota`".into()),
        ),
        Some(_) => {}
        None => c.error(
            &format!("{SECTION}.limit"),
            format!(
                "`quota.limit` must be a whole number and a unit, found `{}`",
                entry.limit
            ),
            Some(
                "use KiB, MiB, GiB, TiB (binary) or KB, MB, GB, TB (decimal), e.g. `500 GiB`"
                    .into(),
            ),
        ),
    }
    let mut seen = HashMap::new();
    for limit in &entry.limits {
        let path = format!("{SECTION}.limits[{}]", limit.at);
        if !(1..=100).contains(&limit.threshold_percent) {
            c.error(
                &format!("{path}.threshold_percent"),
                format!(
                    "`{path}.threshold_percent` must be between 1 and 100, found {}",
                    limit.threshold_percent
                ),
                None,
            );
        }
        let key = format!("{} at {}%", limit.kind, limit.threshold_percent);
        c.unique(&mut seen, &key, &path, "quota limit");
    }
}

/// The model of a checked section.
pub(in crate::config) fn to_model(entry: &QuotaEntry) -> Option<Quota> {
    let limit_bytes = size_bytes(&entry.limit)?;
    let limits = entry
        .limits
        .iter()
        .filter_map(|l| {
            Some(QuotaLimit {
                kind: l.kind,
                threshold_percent: u8::try_from(l.threshold_percent).ok()?,
                id: None,
            })
        })
        .collect();
    Some(Quota {
        limit_bytes,
        limits,
        id: None,
    })
}

/// The section for `export`: the size in the largest unit that divides it, the limits sorted.
pub(in crate::config) fn from_model(quota: &Quota) -> QuotaEntry {
    let mut limits: Vec<QuotaLimitEntry> = quota
        .limits
        .iter()
        .map(|l| QuotaLimitEntry {
            kind: l.kind,
            threshold_percent: i64::from(l.threshold_percent),
            at: 0,
        })
        .collect();
    limits.sort_by_key(|l| (l.threshold_percent, l.kind));
    for (at, limit) in limits.iter_mut().enumerate() {
        limit.at = at;
    }
    QuotaEntry {
        limit: size_text(quota.limit_bytes),
        limits,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{size_bytes, size_text};

    #[test]
    fn sizes_are_binary_or_decimal() {
        assert_eq!(size_bytes("500 GiB"), Some(500 << 30));
        assert_eq!(size_bytes("10GB"), Some(10_000_000_000));
        assert_eq!(size_bytes("1 TiB"), Some(1 << 40));
        assert_eq!(size_bytes("4096"), Some(4096));
        assert_eq!(size_bytes("1.5 GiB"), None);
        assert_eq!(size_bytes("5 gb"), None, "units are case-sensitive");
        assert_eq!(size_bytes("GiB"), None);
        assert_eq!(size_text(500 << 30), "500 GiB");
        assert_eq!(size_text(10_000_000_000), "10 GB");
        assert_eq!(size_text(1500), "1500 B");
        assert_eq!(size_bytes(&size_text(3 << 20)), Some(3 << 20));
    }
}
