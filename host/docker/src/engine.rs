//! Where the Docker Engine is: docker's `-H/--host`, else `$DOCKER_HOST`, else the default
//! socket.

use std::fmt;

/// The Docker Engine's default address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The address of a Docker Engine API, e.g. `unix:///var/run/docker.sock` or
/// `tcp://10.0.0.2:2375`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineHost(String);

impl EngineHost {
    /// The engine the docker CLI would use: `flag` (`-H/--host`) when given, else `env`
    /// (`$DOCKER_HOST`) when set and not empty, else [`DEFAULT_HOST`].
    pub fn resolve(flag: Option<&str>, env: Option<&str>) -> EngineHost {
        let chosen = flag
            .or(env.filter(|value| !value.is_empty()))
            .unwrap_or(DEFAULT_HOST);
        EngineHost(chosen.to_string())
    }

    /// The engine named by `$DOCKER_HOST`, or the default socket.
    pub fn from_env() -> EngineHost {
        let env = std::env::var("DOCKER_HOST").ok();
        EngineHost::resolve(None, env.as_deref())
    }

    /// The address as the docker CLI reads it (docker/cli `opts.ParseHost`): blanks trimmed;
    /// empty is the default socket; without a scheme it is `tcp://`; a TCP address without a
    /// host or port gets `localhost` and 2375; `unix://` alone is the default socket. The error
    /// is docker's text. `ssh://` is kept as given. `fd://` and `npipe://` (which docker 28
    /// cannot use either) are refused, saying what to use instead.
    pub fn normalized(&self) -> Result<EngineHost, String> {
        let given = self.0.trim();
        if given.is_empty() {
            return Ok(EngineHost(DEFAULT_HOST.to_string()));
        }
        let (scheme, address) = given.split_once("://").unwrap_or(("tcp", given));
        let url = match scheme {
            "tcp" => tcp_address(address)?,
            "unix" if address.is_empty() => DEFAULT_HOST.to_string(),
            "unix" => given.to_string(),
            // As docker: the system `ssh` runs `docker system dial-stdio` on the host.
            "ssh" => given.to_string(),
            "fd" | "npipe" => {
                return Err(format!(
                    "{scheme}:// is not supported by pruner: use unix:// or tcp://"
                ));
            }
            _ => return Err(format!("invalid bind address format: {given}")),
        };
        Ok(EngineHost(url))
    }

    /// The address as given.
    pub fn url(&self) -> &str {
        &self.0
    }

    /// Whether the engine runs on this machine (a Unix socket), and so shares its clock.
    pub fn is_local(&self) -> bool {
        self.0.starts_with("unix://")
    }
}

/// docker/cli `ParseTCPAddr` against `tcp://localhost:2375`: `tcp://host:port` plus any path.
fn tcp_address(address: &str) -> Result<String, String> {
    let (authority, path) = address
        .find('/')
        .map_or((address, ""), |at| (&address[..at], &address[at..]));
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 address: `[::1]:2375`.
        Some(rest) => {
            let (ip, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("parse \"tcp://{address}\": missing ']' in host"))?;
            (format!("[{ip}]"), after.strip_prefix(':').unwrap_or(after))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port),
            None => (authority.to_string(), ""),
        },
    };
    if let Some(bad) = host
        .chars()
        .find(|c| c.is_whitespace() || "\"<>\\^`{|}".contains(*c))
    {
        return Err(format!(
            "parse \"tcp://{address}\": invalid character {:?} in host name",
            bad.to_string()
        ));
    }
    if !port.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("invalid bind address format: {address}"));
    }
    let host = if host.is_empty() { "localhost" } else { &host };
    let port = if port.is_empty() { "2375" } else { port };
    Ok(format!("tcp://{host}:{port}{path}"))
}

impl fmt::Display for EngineHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_flag_wins_over_docker_host() {
        assert_eq!(
            EngineHost::resolve(Some("tcp://a:2375"), Some("unix:///b.sock")).url(),
            "tcp://a:2375"
        );
    }

    #[test]
    fn docker_host_is_used_without_the_flag() {
        assert_eq!(
            EngineHost::resolve(None, Some("unix:///b.sock")).url(),
            "unix:///b.sock"
        );
    }

    #[test]
    fn an_empty_docker_host_means_the_default_socket() {
        assert_eq!(
            EngineHost::resolve(None, Some("")).url(),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            EngineHost::resolve(None, None).url(),
            "unix:///var/run/docker.sock"
        );
    }

    /// The address `given` reads as, or docker's error.
    fn normalized(given: &str) -> Result<String, String> {
        EngineHost::resolve(Some(given), None)
            .normalized()
            .map(|host| host.url().to_string())
    }

    #[test]
    fn addresses_read_as_the_docker_cli_reads_them() {
        for (given, read) in [
            ("myhost", "tcp://myhost:2375"),
            ("myhost:1234", "tcp://myhost:1234"),
            (":1234", "tcp://localhost:1234"),
            ("tcp://", "tcp://localhost:2375"),
            ("tcp://127.0.0.1", "tcp://127.0.0.1:2375"),
            ("tcp://127.0.0.1:1/path", "tcp://127.0.0.1:1/path"),
            ("tcp://[::1]:1", "tcp://[::1]:1"),
            ("[::1]", "tcp://[::1]:2375"),
            (" ", "unix:///var/run/docker.sock"),
            ("unix://", "unix:///var/run/docker.sock"),
            ("unix:///x.sock", "unix:///x.sock"),
            ("ssh://me@host:2222", "ssh://me@host:2222"),
        ] {
            assert_eq!(normalized(given).as_deref(), Ok(read), "{given}");
        }
    }

    #[test]
    fn addresses_the_docker_cli_refuses_get_its_text() {
        for (given, error) in [
            (
                "http://127.0.0.1:1",
                "invalid bind address format: http://127.0.0.1:1",
            ),
            ("bogus://x", "invalid bind address format: bogus://x"),
            (
                "tcp://a b",
                "parse \"tcp://a b\": invalid character \" \" in host name",
            ),
            (
                "fd://",
                "fd:// is not supported by pruner: use unix:// or tcp://",
            ),
        ] {
            assert_eq!(normalized(given), Err(error.to_string()), "{given}");
        }
    }

    #[test]
    fn only_unix_sockets_count_as_this_machine() {
        assert!(EngineHost::resolve(None, None).is_local());
        assert!(!EngineHost::resolve(Some("tcp://a:2375"), None).is_local());
    }
}
