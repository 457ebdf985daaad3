//! The `until` prune filter (moby `getUntilFromPruneFilters`).

use crate::error::DockerError;
use crate::filters::Filters;
use crate::model::{Instant, Reference};
use crate::timestamp;
use alloc::string::ToString;

/// Go's zero `time.Time` (January 1, year 1, UTC) as a Unix instant: an `until` equal to it
/// means "no until", exactly as Docker's `until.IsZero()` check does.
const GO_ZERO_TIME: Instant = Instant {
    seconds: -62_135_596_800,
    nanos: 0,
};

/// The instant objects must not be newer than, or `None` when the filter sets no `until`.
pub fn until_from_filters(
    filters: &Filters,
    reference: Reference,
) -> Result<Option<Instant>, DockerError> {
    if !filters.contains("until") {
        return Ok(None);
    }
    let values = filters.get("until");
    if values.len() > 1 {
        return Err(DockerError::InvalidParameter(
            "more than one until filter specified".to_string(),
        ));
    }
    // Docker indexes the empty set and panics; a clear error is given instead.
    let Some(value) = values.first() else {
        return Err(DockerError::InvalidParameter(
            "until filter specified without a value".to_string(),
        ));
    };
    let until = timestamp::until(value, reference).map_err(DockerError::InvalidParameter)?;
    Ok((until != GO_ZERO_TIME).then_some(until))
}

/// Whether an object created at `created` is too new for the `until` filter (strictly after).
pub fn is_newer(created: Instant, until: Option<Instant>) -> bool {
    until.is_some_and(|until| created > until)
}
