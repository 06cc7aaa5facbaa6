//! The slack-morphism client gatebot's surface and listener share, built on our own connector.
//!
//! slack-morphism's own `SlackClientHyperConnector::new()` is HTTPS-only and enables only
//! HTTP/2, so it cannot reach the plain-HTTP emulator tests run against, and a request over
//! HTTP/1.1 would panic. The connector built here trusts the system's CAs, speaks both HTTP
//! versions, and allows `http://` for an emulator on 127.0.0.1.

use std::io;
use std::sync::Arc;

use reqwest::Url;
use slack_morphism::prelude::{SlackClient, SlackClientHyperConnector, SlackHyperClient};

/// A client for the Web API at `api_url` (`https://slack.com/api` in production); Socket Mode's
/// `apps.connections.open` goes there too. Fails only when the system's CA store is unreadable.
pub fn client(api_url: &Url) -> io::Result<Arc<SlackHyperClient>> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_all_versions()
        .build();
    // Methods are appended as `{api_url}/{method}`; a trailing `/` would double it.
    let api_url = api_url.as_str().trim_end_matches('/');
    let connector = SlackClientHyperConnector::from(https).with_slack_api_url(api_url);
    Ok(Arc::new(SlackClient::new(connector)))
}
