//! Why a read of the release-controller failed, in words an operator can act on. A failed read
//! changes nothing: the catalog keeps resting on the last answer or the configuration.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamsError {
    /// The configured URL cannot work; nothing was requested.
    #[error(
        "the release-controller URL `{url}` cannot be used ({reason}); give a base URL such as \
         `https://amd64.ocp.releases.ci.openshift.org`"
    )]
    InvalidUrl { url: String, reason: String },
    /// The release-controller kept failing in a way that usually passes (server errors, rate
    /// limits, timeouts, dropped connections, damaged bodies) until the retries ran out.
    #[error(
        "could not read GA status from the release-controller: GET {url} failed {attempts} \
         time(s) in a row; the last failure was: {detail}"
    )]
    Unavailable {
        url: String,
        attempts: usize,
        detail: String,
    },
    /// It answered in a way that retrying will not change, such as a stream that does not
    /// exist (which usually means the URL points at the wrong service).
    #[error(
        "could not read GA status from the release-controller: GET {url} was refused: {detail}"
    )]
    Refused { url: String, detail: String },
}
