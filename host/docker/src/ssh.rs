//! `ssh://[user@]host[:port]`: the engine reached as the docker CLI reaches it (docker/cli's
//! `connhelper`), through the system `ssh` running `docker system dial-stdio` on the host, one
//! ssh process per HTTP connection. The user's ssh configuration, agent and known hosts apply
//! as they do to docker.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bollard::errors::Error as BollardError;
use bollard::{BollardRequest, Docker};
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

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
    };
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let transport = move |request: BollardRequest| {
        let client = client.clone();
        async move { client.request(request).await.map_err(BollardError::from) }
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
}

impl tower_service::Service<Uri> for SshConnector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let args = self.args.clone();
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
            let exit = tokio::spawn(async move {
                let mut said = String::new();
                let _ = stderr.read_to_string(&mut said).await;
                let status = child.wait().await.ok().filter(|status| !status.success())?;
                let code = status
                    .code()
                    .map_or_else(|| status.to_string(), |code| format!("exit status {code}"));
                Some(format!(
                    "command [ssh {}] has exited with {code}, make sure the URL is valid, and \
                     Docker 18.09 or later is installed on the remote host: stderr={said}",
                    args.join(" ")
                ))
            });
            Ok(SshStream(TokioIo::new(SshPipes {
                stdin,
                stdout,
                exit: Exit::Running(exit),
            })))
        })
    }
}

/// One HTTP connection: the ssh process's stdin and stdout.
struct SshStream(TokioIo<SshPipes>);

/// The ssh process of a connection. When its output ends, or its input is closed, because it
/// failed (it could not connect, log in or run docker), the connection fails with docker's text
/// for that failure, ssh's own words included.
struct SshPipes {
    stdin: ChildStdin,
    stdout: ChildStdout,
    exit: Exit,
}

/// Whether the ssh process has exited, and docker's text for its failure.
enum Exit {
    /// Running: the task that waits for it and reads its stderr.
    Running(JoinHandle<Option<String>>),
    /// Exited, with the text if it failed.
    Exited(Option<String>),
}

impl SshPipes {
    /// Waits for the ssh process to exit; its failure, if it failed.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        let failure = match &mut self.exit {
            Exit::Running(waiting) => ready!(Pin::new(waiting).poll(cx)).ok().flatten(),
            Exit::Exited(failure) => failure.clone(),
        };
        self.exit = Exit::Exited(failure.clone());
        Poll::Ready(failure.map(io::Error::other))
    }
}

impl AsyncRead for SshPipes {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stdout).poll_read(cx, buf))?;
        let ended = buf.filled().len() == before && buf.remaining() > 0;
        if ended && let Some(failure) = ready!(self.poll_failure(cx)) {
            return Poll::Ready(Err(failure));
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SshPipes {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match ready!(Pin::new(&mut self.stdin).poll_write(cx, buf)) {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                Poll::Ready(Err(ready!(self.poll_failure(cx)).unwrap_or(err)))
            }
            written => Poll::Ready(written),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
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
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
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
