//! The one place that builds the HTTP client and sends requests with bounded retries.
//!
//! rustls on aws-lc-rs; platform roots plus `--ca-file` / SSL_CERT_FILE (corporate TLS inspection);
//! HTTPS_PROXY / NO_PROXY from the environment; exponential backoff with jitter on connection
//! errors, 5xx, 429 (honouring Retry-After) and garbled answers, never on a 4xx refusal.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};

use crate::error::Error;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_RETRIES: u32 = 3;
pub const DEFAULT_RETRY_WINDOW: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(10);
/// A token answer is well under 10 KiB; anything past this is not Salesforce talking.
pub const TOKEN_BODY_LIMIT: u64 = 1024 * 1024;
/// Query and describe answers are larger (a describe is ~200 KiB), but still bounded.
pub const QUERY_BODY_LIMIT: u64 = 8 * 1024 * 1024;
/// CA bundles hold a few hundred certificates at most (Mozilla's is ~220 KiB).
const CA_FILE_LIMIT: u64 = 4 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct NetSettings {
    /// Bound on one request, connect to last byte.
    pub timeout: Duration,
    pub max_retries: u32,
    /// No retry starts after this much time since the first attempt.
    pub retry_window: Duration,
    pub ca_files: Vec<PathBuf>,
    /// Bytes of an answer's body read at most; a longer one is an unexpected answer.
    pub max_body: u64,
}

impl Default for NetSettings {
    fn default() -> Self {
        NetSettings {
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_RETRIES,
            retry_window: DEFAULT_RETRY_WINDOW,
            ca_files: vec![],
            max_body: TOKEN_BODY_LIMIT,
        }
    }
}

/// The proxy variables reqwest reads. It ignores one it cannot parse and connects directly,
/// which in a locked-down network looks like a firewall problem; say so instead.
const PROXY_VARS: &[&str] = &["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

fn check_proxies() -> Result<(), Error> {
    for name in PROXY_VARS {
        let Some(raw) = std::env::var_os(name) else { continue };
        let value = raw.to_str().ok_or_else(|| {
            Error::usage(format!("environment variable {name} is not valid UTF-8"), "set it to http://HOST:PORT")
        })?;
        if value.trim().is_empty() {
            continue;
        }
        let full = if value.contains("://") { value.to_string() } else { format!("http://{value}") };
        let ok = url::Url::parse(&full).ok().is_some_and(|u| {
            u.host_str().is_some_and(|h| !h.is_empty()) && matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h")
        });
        if !ok {
            // A proxy URL can carry a password: show it without the user-info part.
            let without_auth = value.rsplit_once('@').map_or(value, |(_, host)| host);
            let shown: String = without_auth.chars().take(60).filter(|c| !c.is_control()).collect();
            return Err(Error::usage(
                format!("environment variable {name} is not a proxy URL: {shown:?}"),
                "set it to http://HOST:PORT (credentials as http://USER:PASS@HOST:PORT), or unset it",
            ));
        }
    }
    Ok(())
}

pub fn client(settings: &NetSettings) -> Result<Client, Error> {
    check_proxies()?;
    let mut builder = Client::builder()
        .user_agent(concat!("sfjwt/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
        .timeout(settings.timeout)
        // The token endpoint never redirects; a redirect would carry the assertion elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    let mut extra = Vec::new();
    for path in &settings.ca_files {
        extra.extend(load_ca(path)?);
    }
    if !extra.is_empty() {
        builder = builder.tls_certs_merge(extra);
    }
    builder.build().map_err(|e| Error::usage(format!("cannot set up HTTPS: {e}"), "check --ca-file"))
}

/// What shapes a client (everything else in `NetSettings` is applied per request). Proxies come
/// from the environment, the same for every target of a run.
#[derive(Clone, PartialEq, Eq)]
struct ClientKey {
    timeout: Duration,
    ca_files: Vec<PathBuf>,
}

type SharedCell = Arc<OnceLock<Option<Client>>>;

/// The clients of one run that checks many targets (`doctor --all`): one per distinct client
/// setting, shared by every target with that setting. Building a client loads and parses the
/// platform's root store (about 5 ms of CPU; half of what a doctor run costs) and starts its
/// connection pool; fifty targets at once did that fifty times on two cores (issue 22, step 8).
/// Targets whose timeouts or CA files differ still get clients of their own.
#[derive(Default)]
pub struct SharedClients {
    built: Mutex<Vec<(ClientKey, SharedCell)>>,
}

impl SharedClients {
    /// The client for these settings, built by the first caller (the others wait for it); None
    /// when it cannot be built: the caller then builds its own, to report why.
    pub fn get(&self, settings: &NetSettings) -> Option<Client> {
        let key = ClientKey { timeout: settings.timeout, ca_files: settings.ca_files.clone() };
        let cell = {
            let mut built = self.built.lock().ok()?;
            match built.iter().find(|(k, _)| *k == key) {
                Some((_, cell)) => cell.clone(),
                None => {
                    let cell = SharedCell::default();
                    built.push((key, cell.clone()));
                    cell
                }
            }
        };
        // Outside the lock: targets with other settings build theirs meanwhile.
        cell.get_or_init(|| client(settings).ok()).clone()
    }
}

fn load_ca(path: &Path) -> Result<Vec<reqwest::Certificate>, Error> {
    use std::io::Read;
    let io = |e| Error::Io {
        action: "read CA file",
        path: path.display().to_string(),
        source: e,
        help: Some("--ca-file (or SFJWT_CA_FILE) takes a PEM bundle of CA certificates".into()),
    };
    // Bounded: `ca_file: /dev/urandom` (or a FIFO) must end with an error, not fill memory.
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(CA_FILE_LIMIT + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > CA_FILE_LIMIT {
        return Err(Error::usage(
            format!("CA file {} is larger than {} MiB", path.display(), CA_FILE_LIMIT / 1024 / 1024),
            "--ca-file (or SFJWT_CA_FILE) takes a PEM bundle of CA certificates",
        ));
    }
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| {
        Error::usage(
            format!("{} is not a PEM certificate bundle: {e}", path.display()),
            "export your proxy's CA as PEM",
        )
    })?;
    if certs.is_empty() {
        return Err(Error::usage(format!("{} holds no certificate", path.display()), "export your proxy's CA as PEM"));
    }
    Ok(certs)
}

/// What one HTTP exchange produced, classified for retry decisions and reports.
#[derive(Debug)]
pub enum Exchange {
    /// Any complete answer, with its body and the server's Date header (for clock checks).
    Answer { status: u16, content_type: String, body: String, date: Option<String> },
    /// No usable answer: connection, TLS, timeout, or a body cut short.
    Failed { kind: FailureKind, detail: String },
}

/// Why there was no usable answer. Reports name it with `as_str` (schema: attempt.failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Connect,
    Tls,
    Timeout,
    Body,
    /// An answer that is not what Salesforce sends: a proxy's page, bad JSON, an oversized body,
    /// a token answer whose fields fail validation.
    UnexpectedAnswer,
    /// `unknown_error: retry your request`, still asked after every retry.
    RetryRequested,
    Other,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Connect => "connection",
            FailureKind::Tls => "tls",
            FailureKind::Timeout => "timeout",
            FailureKind::Body => "truncated_body",
            FailureKind::UnexpectedAnswer => "unexpected_answer",
            FailureKind::RetryRequested => "retry_requested",
            FailureKind::Other => "network",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

impl serde::Serialize for FailureKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `unknown_error: retry your request` (HTTP 400) is transient (docs/evidence.md#unknown-error-retry).
pub fn is_retry_request(error: &str, description: &str) -> bool {
    error == "unknown_error" && description.to_ascii_lowercase().contains("retry")
}

/// One try, as the report records it.
#[derive(Debug)]
pub struct Try {
    pub exchange: Exchange,
    pub retry_after: Option<Duration>,
}

fn classify(err: &reqwest::Error) -> (FailureKind, String) {
    let chain = error_chain(err);
    let lower = chain.to_lowercase();
    let kind = if err.is_timeout() || lower.contains("timed out") {
        FailureKind::Timeout
    } else if (lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("handshake"))
        && !lower.contains("close_notify")
    {
        FailureKind::Tls
    } else if err.is_body() || err.is_decode() {
        FailureKind::Body
    } else if err.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Other
    };
    (kind, chain)
}

pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    // A TLS or HTTP library error can quote what the server sent (a certificate's name).
    crate::untrusted::text(&parts.join(": "))
}

/// Reads the body in pieces until `deadline`: a server dripping a byte a second would otherwise
/// hold the read far past --timeout, each piece arriving in time.
fn read_bounded(resp: &mut Response, limit: u64, deadline: Instant) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the answer's body timed out"));
        }
        let n = resp.read(&mut chunk)?;
        if n == 0 || bytes.len() as u64 > limit {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

fn read(mut resp: Response, limit: u64, deadline: Instant) -> Exchange {
    let status = resp.status().as_u16();
    let header =
        |h| resp.headers().get(h).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_string);
    // Every piece of the answer kept goes through the one sanitiser (crate::untrusted) here.
    let content_type = crate::untrusted::text(&header(reqwest::header::CONTENT_TYPE).unwrap_or_default());
    let date = header(reqwest::header::DATE).map(|d| crate::untrusted::text(&d));
    let too_large = || Exchange::Failed {
        kind: FailureKind::UnexpectedAnswer,
        detail: format!("HTTP {status}: the answer is larger than {} KiB; not read", limit / 1024),
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return too_large();
    }
    match read_bounded(&mut resp, limit, deadline) {
        Ok(bytes) if bytes.len() as u64 > limit => too_large(),
        Ok(bytes) => {
            // Scrubbed on arrival: a server echoing the assertion or a token must not put it in
            // an excerpt that is cut before a later scrub could recognise it.
            let body = crate::untrusted::body(&crate::secrets::scrub(&String::from_utf8_lossy(&bytes)));
            Exchange::Answer { status, content_type, body, date }
        }
        Err(e) => {
            let detail = error_chain(&e);
            let timed_out = e.kind() == std::io::ErrorKind::TimedOut || detail.to_lowercase().contains("timed out");
            let kind = if timed_out { FailureKind::Timeout } else { FailureKind::Body };
            Exchange::Failed { kind, detail: format!("HTTP {status}, body cut short: {detail}") }
        }
    }
}

fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn refusal_asks_retry(body: &str) -> bool {
    let Ok(j) = serde_json::from_str::<serde_json::Value>(body) else { return false };
    let field = |k: &str| j.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    is_retry_request(&field("error"), &field("error_description"))
}

/// Whether a result is worth another try: no answer, a server error, 429, or garbage.
pub fn retryable(ex: &Exchange) -> bool {
    match ex {
        Exchange::Failed { kind, .. } => !matches!(kind, FailureKind::Tls | FailureKind::UnexpectedAnswer),
        Exchange::Answer { status, content_type, body, .. } => {
            *status == 429
                || *status >= 500
                || (*status == 400 && refusal_asks_retry(body))
                || (*status == 200
                    && !body.trim().is_empty()
                    && serde_json::from_str::<serde_json::Value>(body).is_err())
                || (*status == 400
                    && !content_type.contains("json")
                    && serde_json::from_str::<serde_json::Value>(body).is_err())
        }
    }
}

/// Sends the request built by `make` until it gets a final answer, retrying within the bounds.
/// Returns every try, the last one final.
pub fn send_with_retries(
    settings: &NetSettings,
    mut make: impl FnMut() -> reqwest::blocking::RequestBuilder,
    mut on_retry: impl FnMut(&Try, Duration),
) -> Vec<Try> {
    let start = Instant::now();
    let mut tries = Vec::new();
    for attempt in 0..=settings.max_retries {
        let t0 = Instant::now();
        let (exchange, after) = match make().send() {
            Ok(resp) => {
                let after = retry_after(&resp);
                (read(resp, settings.max_body, t0 + settings.timeout), after)
            }
            Err(e) => {
                let (kind, detail) = classify(&e);
                (Exchange::Failed { kind, detail }, None)
            }
        };
        let t = Try { exchange, retry_after: after };
        let again = retryable(&t.exchange) && attempt < settings.max_retries;
        if !again {
            tries.push(t);
            break;
        }
        let wait = t.retry_after.unwrap_or_else(|| backoff(attempt));
        // Saturating: a Retry-After of u64::MAX seconds means "not within the window", not a panic.
        if start.elapsed().saturating_add(wait) >= settings.retry_window {
            tries.push(t);
            break;
        }
        on_retry(&t, wait);
        tries.push(t);
        std::thread::sleep(wait);
    }
    tries
}

/// Full jitter: a random wait up to base * 2^attempt, capped.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(8)).min(BACKOFF_CAP);
    let mut b = [0u8; 4];
    let _ = aws_lc_rs::rand::fill(&mut b);
    let frac = f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX);
    // Never zero: at least a tenth of the ceiling, so bursts still spread out.
    ceiling.mul_f64(0.1 + 0.9 * frac)
}

/// A new My Domain can take minutes to resolve; say so rather than fail later. Bounded to 3 s.
pub fn dns_warning(host: &str) -> Option<String> {
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let h = host.to_string();
    std::thread::spawn(move || {
        use std::net::ToSocketAddrs;
        let _ = tx.send((h.as_str(), 443).to_socket_addrs().map(|mut a| a.next().is_some()).unwrap_or(false));
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "instance_url host {host} does not resolve yet; a new My Domain can take minutes to replicate"
        )),
        Err(_) => Some(format!("instance_url host {host} did not resolve within 3 s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 0..12 {
            let b = backoff(attempt);
            let ceiling = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(8)).min(BACKOFF_CAP);
            assert!(b <= ceiling && b >= ceiling.mul_f64(0.1), "attempt {attempt}: {b:?}");
        }
    }

    #[test]
    fn retry_rules() {
        let ans = |status: u16, ct: &str, body: &str| Exchange::Answer {
            status,
            content_type: ct.into(),
            body: body.into(),
            date: None,
        };
        assert!(retryable(&ans(503, "application/json", "[]")));
        assert!(retryable(&ans(429, "application/json", "[]")));
        assert!(retryable(&ans(200, "text/html", "<html>")));
        assert!(!retryable(&ans(400, "application/json", r#"{"error":"invalid_grant"}"#)));
        assert!(!retryable(&ans(200, "application/json", r#"{"access_token":"x"}"#)));
        assert!(!retryable(&Exchange::Failed { kind: FailureKind::Tls, detail: String::new() }));
        assert!(retryable(&Exchange::Failed { kind: FailureKind::Connect, detail: String::new() }));
    }
}
