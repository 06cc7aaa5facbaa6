//! Conversions between `jiff::Timestamp` and the unix seconds the store keeps.

use jiff::Timestamp;

use super::StoreError;

pub(super) fn to_db(at: Timestamp) -> i64 {
    at.as_second()
}

pub(super) fn from_db(seconds: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(seconds).map_err(|error| StoreError::Corrupt {
        what: "timestamp",
        detail: format!("{seconds}: {error}"),
    })
}

pub(super) fn from_db_opt(seconds: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    seconds.map(from_db).transpose()
}
