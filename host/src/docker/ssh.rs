//! `ssh://[user@]host[:port]`: the engine reached as the docker CLI reaches it (docker/cli's
//! `connhelper`), through the system `ssh` running `docker system dial-stdio` on the host, one
//! ssh process per HTTP connection. The user's ssh configuration, agent and known hosts apply
//! as they do to docker.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::{BollardRequest, Docker};
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::sync::Notify;

/// How long a failed exchange waits for its ssh process to exit and say why.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// The `ssh` arguments docker runs for the address `url` (docker/cli `ssh.ParseURL` and
/// `Spec.Args`): `-o ConnectTimeout=30 -T [-l user] [-p port] -- host docker system dial-stdio`.
/// The error is docker's text.
pub(super) fn ssh_args(url: &str) -> Result<Vec<String>, String> {
    let rest = url
        .strip_prefix("ssh://")
        .ok_or_else(|| format!("expected scheme ssh, got {url:?}"))?;
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !path.is_empty() {
        return Err(format!(
            "extra path after the host: {:?}",
            format!("/{path}")
        ));
    }
    if !query.is_empty() {
        return Err(format!("extra query after the host: {query:?}"));
    }
    if !fragment.is_empty() {
        return Err(format!("extra fragment after the host: {fragment:?}"));
    }
    let (user, address) = match authority.rsplit_once('@') {
        Some((user, address)) => (Some(user), address),
        None => (None, authority),
    };
    if user.is_some_and(|user| user.contains(':')) {
        return Err("plain-text password is not supported".to_string());
    }
    // A port after the last colon, unless that colon is inside an IPv6 address.
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if host.starts_with('[') || !host.contains(':') => {
            (host, Some(port).filter(|port| !port.is_empty()))
        }
        _ => (address, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("no host specified".to_string());
    }
    let mut args = vec!["-o", "ConnectTimeout=30", "-T"];
    if let Some(user) = user {
        args.extend(["-l", user]);
    }
    if let Some(port) = port {
        args.extend(["-p", port]);
    }
    args.extend(["--", host, "docker", "system", "dial-stdio"]);
    Ok(args.into_iter().map(String::from).collect())
}

/// A client of the engine at `url` (`ssh://…`) through `ssh`.
pub(super) fn connect(url: &str, timeout_seconds: u64) -> Result<Docker, String> {
    let connector = SshConnector {
        args: Arc::new(ssh_args(url)?),
        failure: Arc::default(),
    };
    let failure = connector.failure.clone();
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let transport = move |request: BollardRequest| {
        let client = client.clone();
        let failure = failure.clone();
        async move {
            match client.request(request).await {
                Ok(response) => Ok(response),
                Err(err) => Err(failure.explain(err).await),
            }
        }
    };
    Docker::connect_with_custom_transport(
        transport,
        // As docker's errors show an ssh engine's URLs.
        Some("http://docker.example.com"),
        timeout_seconds,
        bollard::API_DEFAULT_VERSION,
    )
    .map_err(|err| err.to_string())
}

/// Connects by starting `ssh` with `args`.
#[derive(Clone)]
struct SshConnector {
    args: Arc<Vec<String>>,
    failure: Arc<Failure>,
}

/// Why the last ssh process failed, once it has exited: docker's text.
#[derive(Default)]
struct Failure {
    text: Mutex<Option<String>>,
    exited: Notify,
}

impl Failure {
    /// `err` of a failed exchange, as the ssh process that carried it explains it when it
    /// exited with a failure (waiting for it, a while), else as hyper gives it.
    async fn explain(&self, err: hyper_util::client::legacy::Error) -> BollardError {
        let exited = self.exited.notified();
        let text = match self.take() {
            Some(text) => Some(text),
            None => tokio::time::timeout(EXIT_WAIT, exited)
                .await
                .ok()
                .and_then(|()| self.take()),
        };
        let err = match text {
            Some(text) => io::Error::other(SshExited(io::Error::other(text))),
            None => io::Error::other(err),
        };
        BollardError::IOError { err }
    }

    fn take(&self) -> Option<String> {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn set(&self, text: String) {
        *self.text.lock().unwrap_or_else(PoisonError::into_inner) = Some(text);
        self.exited.notify_waiters();
    }
}

/// An ssh process that exited with a failure, its explanation as the cause: bollard shows an
/// I/O error's causes only (`#[error(transparent)]`), and pruner's connection errors are made
/// from the last I/O error among them.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SshExited(#[source] io::Error);

impl tower_service::Service<Uri> for SshConnector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let args = self.args.clone();
        let failure = self.failure.clone();
        Box::pin(async move {
            let mut child = Command::new("ssh")
                .args(args.iter())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let stdin = child.stdin.take().expect("piped");
            let stdout = child.stdout.take().expect("piped");
            let mut stderr = child.stderr.take().expect("piped");
            tokio::spawn(async move {
                let mut said = String::new();
                let _ = stderr.read_to_string(&mut said).await;
                if let Ok(status) = child.wait().await
                    && !status.success()
                {
                    let code = status
                        .code()
                        .map_or_else(|| status.to_string(), |code| format!("exit status {code}"));
                    failure.set(format!(
                        "command [ssh {}] has exited with {code}, make sure the URL is valid, and \
                         Docker 18.09 or later is installed on the remote host: stderr={}",
                        args.join(" "),
                        said
                    ));
                }
            });
            Ok(SshStream {
                stdin: TokioIo::new(stdin),
                stdout: TokioIo::new(stdout),
            })
        })
    }
}

/// One HTTP connection: the ssh process's stdin and stdout.
struct SshStream {
    stdin: TokioIo<ChildStdin>,
    stdout: TokioIo<ChildStdout>,
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stdin).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_command_is_dockers() {
        for (url, args) in [
            ("ssh://host", "-o ConnectTimeout=30 -T -- host"),
            ("ssh://me@host", "-o ConnectTimeout=30 -T -l me -- host"),
            (
                "ssh://me@127.0.0.1:2222",
                "-o ConnectTimeout=30 -T -l me -p 2222 -- 127.0.0.1",
            ),
            ("ssh://[::1]:22", "-o ConnectTimeout=30 -T -p 22 -- ::1"),
        ] {
            assert_eq!(
                ssh_args(url).unwrap().join(" "),
                format!("{args} docker system dial-stdio"),
                "{url}"
            );
        }
    }

    #[test]
    fn addresses_docker_refuses_are_refused_with_its_reason() {
        for (url, err) in [
            (
                "ssh://me:secret@host",
                "plain-text password is not supported",
            ),
            ("ssh://host/path", "extra path after the host: \"/path\""),
            ("ssh://", "no host specified"),
            ("ssh://host?x=1", "extra query after the host: \"x=1\""),
        ] {
            assert_eq!(ssh_args(url), Err(err.to_string()), "{url}");
        }
    }
}
