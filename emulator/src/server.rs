//! Binds, prints the one ready line, serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::org::Org;

pub struct Options {
    pub listen: SocketAddr,
    pub tls_dir: Option<PathBuf>,
    pub http: bool,
    /// Extra DNS names for the server certificate (e.g. login.salesforce.com in a test namespace).
    pub names: Vec<String>,
}

/// A running emulator, for tests and the demo that host it in-process.
pub struct Running {
    pub url: String,
    pub ca: Option<PathBuf>,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn start(org: Org, opts: Options) -> Result<Running, String> {
    let listener =
        TcpListener::bind(opts.listen).await.map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let host = match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    };
    let (tls, ca) = if opts.http {
        (None, None)
    } else {
        let dir = opts
            .tls_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("sfjwt-emulator-{}", addr.port())));
        let config = crate::tls::server_config(&dir, &opts.names)?;
        (Some(tokio_rustls::TlsAcceptor::from(config)), Some(dir.join("ca.pem")))
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{host}");
    let org = Arc::new(org);
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    crate::http::log_accepted(peer);
                    let org = org.clone();
                    let tls = tls.clone();
                    let host = host.clone();
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => match acceptor.accept(stream).await {
                                Ok(s) => crate::http::serve_connection(s, peer, org, "https", host).await,
                                Err(e) => eprintln!("TLS handshake with {peer} failed: {e}"),
                            },
                            None => crate::http::serve_connection(stream, peer, org, "http", host).await,
                        }
                    });
                }
            }
        }
    });
    Ok(Running { url, ca, shutdown: tx })
}

pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
