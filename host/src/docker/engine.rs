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

    /// The address as given.
    pub fn url(&self) -> &str {
        &self.0
    }

    /// Whether the engine runs on this machine (a Unix socket), and so shares its clock.
    pub fn is_local(&self) -> bool {
        self.0.starts_with("unix://")
    }
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

    #[test]
    fn only_unix_sockets_count_as_this_machine() {
        assert!(EngineHost::resolve(None, None).is_local());
        assert!(!EngineHost::resolve(Some("tcp://a:2375"), None).is_local());
    }
}
