//! HTTP(S) endpoints in configuration: the Kubernetes API, Google Cloud Storage, Prow.

use reqwest::Url;

use super::problems::Invalid;

/// An absolute `http://` or `https://` URL with a host.
pub fn http_url(text: &str) -> Result<Url, Invalid> {
    let fix = "write an absolute URL such as `https://prow.ci.openshift.org`";
    let url = Url::parse(text)
        .map_err(|reason| Invalid::new(format!("`{text}` is not a URL: {reason}"), fix))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Invalid::new(
            format!(
                "`{text}` uses the scheme `{}`, not http or https",
                url.scheme()
            ),
            fix,
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Invalid::new(format!("`{text}` has no host"), fix));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(http_url("https://storage.googleapis.com").is_ok());
        assert!(http_url("http://127.0.0.1:8080/base").is_ok());
        assert!(
            http_url("storage.googleapis.com")
                .unwrap_err()
                .message
                .contains("not a URL")
        );
        assert!(
            http_url("gs://bucket")
                .unwrap_err()
                .message
                .contains("`gs`")
        );
    }
}
