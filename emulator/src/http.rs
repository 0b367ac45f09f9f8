//! A deliberately small HTTP/1.1 server: keep-alive as Salesforce's servers answer it (a
//! connection serves request after request until the client closes it, or idles), `Connection:
//! close` after a fault. Each accepted connection is logged, so tests can count handshakes.
//! Written directly on the TLS stream, below any HTTP library, so faults can be injected at the
//! byte level: a dropped connection, a truncated body, a server that never answers. (xh's and uv's
//! test servers sit one level higher, on hyper: xh's tests/server/mod.rs, adapted from reqwest's
//! test support, and uv's TLS tests in crates/uv-client/tests/it/http_util.rs; uv's plain-HTTP
//! tests use wiremock. Those answer well-formed HTTP, which these faults are not.)

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::org::Org;
use crate::scenario::Faults;

const MAX_HEAD: usize = 64 * 1024;

/// Request logging on stderr (off in the demo, where sfjwt's own output tells the story).
pub static LOG_REQUESTS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

macro_rules! log {
    ($($arg:tt)*) => {
        if LOG_REQUESTS.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!($($arg)*);
        }
    };
}
const MAX_BODY: usize = 1024 * 1024;
/// How long a kept-alive connection waits for the client's next request before closing.
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(5);

/// One line per accepted connection (the request lines follow it), for tests to count.
pub fn log_accepted(peer: SocketAddr) {
    log!("accepted connection from {peer}");
}

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub peer: SocketAddr,
}

impl Request {
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    pub fn bearer(&self) -> Option<&str> {
        let h = self.headers.get("authorization")?;
        h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("OAuth ")).map(str::trim)
    }
}

pub enum Response {
    Json(u16, Value),
    Html(u16, String),
    Empty(u16),
    TooMany(u64),
    /// Headers promise more body than is sent, then the connection closes.
    Truncated,
    Drop,
    Hang,
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, peer: SocketAddr) -> Option<Request> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if std::env::var_os("SFJWT_EMULATOR_DEBUG").is_some() {
        let shown: Vec<String> = headers
            .iter()
            .map(|(k, v)| if k == "authorization" { format!("{k}: <redacted>") } else { format!("{k}: {v}") })
            .collect();
        let path = target.split('?').next().unwrap_or_default();
        eprintln!("debug: {method} {path} {shown:?}");
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    if len > MAX_BODY {
        return None;
    }
    let mut body = buf[head_end + 4..].to_vec();
    let chunked = headers.get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        // Node's fetch (the sf CLI) streams form bodies chunked.
        loop {
            if let Some(decoded) = decode_chunked(&body) {
                body = decoded;
                break;
            }
            if body.len() > MAX_BODY {
                return None;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        while body.len() < len {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(len);
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()),
        None => (target, HashMap::new()),
    };
    Some(Request { method, path, query, headers, body, peer })
}

/// The decoded body once the terminating zero-size chunk has arrived; None while incomplete.
fn decode_chunked(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let line_end = raw[pos..].windows(2).position(|w| w == b"\r\n")? + pos;
        let size_text = std::str::from_utf8(&raw[pos..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        pos = line_end + 2;
        if size == 0 {
            return Some(out);
        }
        if raw.len() < pos + size + 2 {
            return None;
        }
        out.extend_from_slice(&raw[pos..pos + size]);
        pos += size + 2;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    resp: &Response,
    date: &str,
    keep_alive: bool,
) -> std::io::Result<u16> {
    let (status, ctype, body, extra) = match resp {
        Response::Json(s, v) => (*s, "application/json;charset=UTF-8", v.to_string().into_bytes(), String::new()),
        Response::Html(s, h) => (*s, "text/html; charset=UTF-8", h.clone().into_bytes(), String::new()),
        Response::Empty(s) => (*s, "text/plain", Vec::new(), String::new()),
        Response::TooMany(after) => (
            429,
            "application/json;charset=UTF-8",
            json!([{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]).to_string().into_bytes(),
            format!("Retry-After: {after}\r\n"),
        ),
        Response::Truncated => {
            let body = br#"{"access_token":"00D000000000001!AQ"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: 400\r\nDate: {date}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body).await?;
            stream.flush().await?;
            return Ok(200);
        }
        Response::Drop | Response::Hang => return Ok(0),
    };
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-cache,must-revalidate,max-age=0,no-store,private\r\nDate: {date}\r\n{extra}Connection: {connection}\r\n\r\n",
        reason(status),
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.flush().await?;
    Ok(status)
}

/// Which fault, if any, this request meets. Faults run in sequence: drops, hangs, truncated
/// bodies, HTML pages, server errors, 429s, then retry requests, each for its count of requests.
fn fault_for(faults: &Faults, n: u32) -> Option<Response> {
    let mut k = n;
    let steps: [(u32, &dyn Fn() -> Response); 7] = [
        (faults.drop_connection, &|| Response::Drop),
        (faults.hang, &|| Response::Hang),
        (faults.truncated_body, &|| Response::Truncated),
        (faults.html_maintenance, &|| Response::Html(503, MAINTENANCE.to_string())),
        (faults.server_errors.as_ref().map_or(0, |s| s.count), &|| {
            let status = faults.server_errors.as_ref().map_or(500, |s| s.status);
            Response::Json(
                status,
                json!([{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}]),
            )
        }),
        (faults.too_many_requests.as_ref().map_or(0, |t| t.count), &|| {
            Response::TooMany(faults.too_many_requests.as_ref().map_or(1, |t| t.retry_after_seconds))
        }),
        (faults.retry_request, &|| {
            Response::Json(400, json!({"error": "unknown_error", "error_description": "retry your request"}))
        }),
    ];
    for (count, make) in steps {
        if k <= count {
            return Some(make());
        }
        k -= count;
    }
    None
}

const MAINTENANCE: &str = "<!DOCTYPE html><html><head><title>Salesforce - Maintenance</title></head>\
<body><h1>Down for Maintenance</h1><p>This Salesforce instance is undergoing scheduled maintenance. \
Please try again later.</p></body></html>";

/// What a connection does after one request.
enum Next {
    KeepAlive,
    Close,
    /// Dropped or hung on purpose: no orderly close.
    Abandon,
}

pub async fn serve_connection<S>(
    mut stream: S,
    peer: SocketAddr,
    org: Arc<Org>,
    scheme: &'static str,
    fallback_host: String,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut first = true;
    loop {
        let next = if first {
            read_request(&mut stream, peer).await
        } else {
            tokio::time::timeout(KEEP_ALIVE_IDLE, read_request(&mut stream, peer)).await.ok().flatten()
        };
        first = false;
        let Some(req) = next else { break };
        match serve_request(&mut stream, req, &org, scheme, &fallback_host).await {
            Next::KeepAlive => continue,
            Next::Close => break,
            Next::Abandon => return,
        }
    }
    let _ = stream.shutdown().await;
}

async fn serve_request<S>(stream: &mut S, req: Request, org: &Org, scheme: &str, fallback_host: &str) -> Next
where
    S: AsyncWrite + Unpin,
{
    let start = Instant::now();
    let host = req.headers.get("host").cloned().unwrap_or_else(|| fallback_host.to_string());
    let own_url = format!("{scheme}://{host}");
    let is_token = req.path == "/services/oauth2/token";

    if org.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(org.latency_ms)).await;
    }
    let mut fault = None;
    if is_token || org.faults.all_paths {
        if org.faults.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(org.faults.latency_ms)).await;
        }
        let n = match org.state.lock() {
            Ok(mut s) => {
                s.fault_requests += 1;
                s.fault_requests
            }
            Err(_) => 0,
        };
        fault = fault_for(&org.faults, n);
    }
    // A fault's connection is closed after it, as before keep-alive; so is one the client closes.
    let keep_alive = fault.is_none() && !req.headers.get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let resp = match fault {
        Some(f) => f,
        None => crate::routes::route(org, &req, &own_url),
    };
    let date = httpdate(org.now());
    let status = match resp {
        Response::Hang => {
            log!("{} {} -> (hang)", req.method, req.path);
            tokio::time::sleep(Duration::from_secs(600)).await;
            return Next::Abandon;
        }
        Response::Drop => {
            log!("{} {} -> (dropped connection)", req.method, req.path);
            return Next::Abandon;
        }
        ref r => write_response(stream, r, &date, keep_alive).await.unwrap_or(0),
    };
    // Paths only: queries and bodies can hold SOQL, tokens or assertions.
    log!("{} {} -> {} ({} ms)", req.method, req.path, status, start.elapsed().as_millis());
    if keep_alive && status != 0 { Next::KeepAlive } else { Next::Close }
}

fn httpdate(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}
