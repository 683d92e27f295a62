//! `tag_expiration`: how long deleted tags of the organization stay restorable (Quay's "time
//! machine", `tag_expiration_s`).
//!
//! ```yaml
//! tag_expiration: 2w      # absent = not managed; one of the server's TAG_EXPIRATION_OPTIONS
//! ```

use crate::config::decode::{Decoder, Fields};
use crate::config::validate::Checker;
use crate::model::{duration_seconds, duration_text};

const SECTION: &str = "tag_expiration";

impl Decoder<'_> {
    /// The value as written, `None` when absent (or not a single value: reported).
    pub(in crate::config) fn tag_expiration(&mut self, top: &Fields) -> Option<String> {
        self.text(top, SECTION, None)
    }
}

/// Checks the syntax: digits and one unit of `s`, `m`, `h`, `d`, `w` (which values the
/// server offers is checked at plan time).
pub(in crate::config) fn check(c: &mut Checker<'_>, value: &str) {
    if duration_seconds(value).is_none() {
        c.error(
            SECTION,
            format!("`tag_expiration` must be a number and a unit, found `{value}`"),
            Some(
                "use s, m, h, d or w, e.g. `2w`; the value must be one of the Quay's \
                 TAG_EXPIRATION_OPTIONS (by default 0s, 1d, 1w, 2w, 4w)"
                    .into(),
            ),
        );
    }
}

/// Seconds of a checked value.
pub(in crate::config) fn to_model(value: &str) -> Option<u64> {
    duration_seconds(value)
}

/// The value for `export`, in the largest unit that divides it.
pub(in crate::config) fn from_model(seconds: u64) -> String {
    duration_text(seconds)
}

#[cfg(test)]
mod tests {
    use crate::model::{duration_seconds, duration_text};

    #[test]
    fn durations_as_quay_writes_them() {
        assert_eq!(duration_seconds("2w"), Some(1_209_600));
        assert_eq!(duration_seconds("0s"), Some(0));
        assert_eq!(duration_seconds("14d"), Some(1_209_600));
        assert_eq!(duration_seconds("2"), None);
        assert_eq!(duration_seconds("w"), None);
        assert_eq!(duration_seconds("-1d"), None);
        assert_eq!(duration_text(1_209_600), "2w");
        assert_eq!(duration_text(86_400), "1d");
        assert_eq!(duration_text(0), "0s");
        assert_eq!(duration_text(90), "90s");
    }
}
