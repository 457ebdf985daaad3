//! Where `pruner serve` listens: a Unix socket (mode 0660, as docker.sock) or a TCP address,
//! loopback only unless `--allow-remote` says otherwise.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

/// The mode of the endpoint's socket: its owner and group, as docker.sock.
const SOCKET_MODE: u32 = 0o660;

/// A `--listen` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// `unix:///path`.
    Unix(PathBuf),
    /// `tcp://host:port`, resolved.
    Tcp(SocketAddr),
}

impl Address {
    /// Reads `--listen`; a TCP address must be loopback unless `allow_remote`.
    pub fn parse(given: &str, allow_remote: bool) -> anyhow::Result<Address> {
        let bad = || {
            format!(
                "invalid --listen address {given:?}: expected unix:///path/to/socket or \
                 tcp://127.0.0.1:port"
            )
        };
        let (scheme, rest) = given.split_once("://").with_context(bad)?;
        match scheme {
            "unix" if rest.starts_with('/') => Ok(Address::Unix(PathBuf::from(rest))),
            "tcp" => {
                let address = rest
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut all| all.next())
                    .with_context(bad)?;
                if !address.ip().is_loopback() && !allow_remote {
                    bail!(
                        "--listen {given} is not a loopback address: whoever reaches it controls \
                         the Docker Engine; add --allow-remote to listen there anyway"
                    );
                }
                Ok(Address::Tcp(address))
            }
            _ => bail!(bad()),
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
            Address::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// A connection a client opened.
pub trait Connection: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Connection for T {}

/// The bound endpoint. A Unix socket's file is removed when it is dropped.
pub enum Listener {
    /// On a Unix socket.
    Unix(UnixListener, PathBuf),
    /// On a TCP address (the one bound: port 0 is the system's choice).
    Tcp(TcpListener, SocketAddr),
}

impl Listener {
    /// Binds `address`. A socket file left at a Unix path by an endpoint that is gone is
    /// replaced (as dockerd does); any other file there is refused.
    pub fn bind(address: &Address) -> anyhow::Result<Listener> {
        let cannot = || format!("cannot listen on {address}");
        match address {
            Address::Unix(path) => {
                remove_stale_socket(path).with_context(cannot)?;
                let listener = UnixListener::bind(path).with_context(cannot)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE))
                    .with_context(cannot)?;
                Ok(Listener::Unix(listener, path.clone()))
            }
            Address::Tcp(address) => {
                let listener = std::net::TcpListener::bind(address)
                    .and_then(|listener| {
                        listener.set_nonblocking(true)?;
                        TcpListener::from_std(listener)
                    })
                    .with_context(cannot)?;
                let bound = listener.local_addr().with_context(cannot)?;
                Ok(Listener::Tcp(listener, bound))
            }
        }
    }

    /// The address it listens on (for TCP, with the port the system chose for port 0).
    pub fn address(&self) -> Address {
        match self {
            Listener::Unix(_, path) => Address::Unix(path.clone()),
            Listener::Tcp(_, address) => Address::Tcp(*address),
        }
    }

    /// The next client's connection.
    pub async fn accept(&self) -> std::io::Result<Box<dyn Connection>> {
        Ok(match self {
            Listener::Unix(listener, _) => Box::new(listener.accept().await?.0),
            Listener::Tcp(listener, _) => Box::new(listener.accept().await?.0),
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes the socket file at `path` if nothing answers on it; fails for any other file.
fn remove_stale_socket(path: &Path) -> anyhow::Result<()> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !metadata.file_type().is_socket() {
        bail!("{} exists and is not a socket", path.display());
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        bail!("something already answers on {}", path.display());
    }
    std::fs::remove_file(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_paths_and_loopback_tcp_addresses_are_accepted() {
        assert_eq!(
            Address::parse("unix:///run/pruner.sock", false).unwrap(),
            Address::Unix(PathBuf::from("/run/pruner.sock"))
        );
        assert_eq!(
            Address::parse("tcp://127.0.0.1:2380", false).unwrap(),
            Address::Tcp("127.0.0.1:2380".parse().unwrap())
        );
        assert_eq!(
            Address::parse("tcp://[::1]:2380", false).unwrap(),
            Address::Tcp("[::1]:2380".parse().unwrap())
        );
    }

    #[test]
    fn a_remote_address_needs_the_flag_and_a_bad_one_is_named() {
        assert_eq!(
            Address::parse("tcp://0.0.0.0:2380", false)
                .unwrap_err()
                .to_string(),
            "--listen tcp://0.0.0.0:2380 is not a loopback address: whoever reaches it controls \
             the Docker Engine; add --allow-remote to listen there anyway"
        );
        assert_eq!(
            Address::parse("tcp://0.0.0.0:2380", true).unwrap(),
            Address::Tcp("0.0.0.0:2380".parse().unwrap())
        );
        for bad in [
            "/run/pruner.sock",
            "unix://relative.sock",
            "http://x:1",
            "tcp://x",
        ] {
            assert_eq!(
                Address::parse(bad, true).unwrap_err().to_string(),
                format!(
                    "invalid --listen address {bad:?}: expected unix:///path/to/socket or \
                     tcp://127.0.0.1:port"
                )
            );
        }
    }
}
