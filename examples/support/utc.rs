//! Times as the examples print them.

use sessionkit::time::{OffsetDateTime, UtcOffset};

/// A time as people read it: `2026-12-04 07:11:15 UTC`.
pub fn utc(at: OffsetDateTime) -> String {
    let format = sessionkit::time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
    );
    at.to_offset(UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| at.to_string())
}
