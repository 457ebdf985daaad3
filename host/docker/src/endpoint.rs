//! Which engine to reach and how, chosen as the docker CLI 28 chooses it: `-H/--host`,
//! `--context`, `$DOCKER_HOST`, `$DOCKER_CONTEXT`, or the current context of the client
//! configuration (`$DOCKER_CONFIG`, else `~/.docker`: `config.json`'s `currentContext`, the
//! endpoint in `contexts/meta/<sha256 of the name>/meta.json`, its TLS files in
//! `contexts/tls/<sha256>/docker/`), and TLS from `--tls`, `--tlsverify`, `--tlscacert`,
//! `--tlscert`, `--tlskey`, `$DOCKER_TLS_VERIFY` and `$DOCKER_CERT_PATH`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::engine::EngineHost;
use super::errors::ConnectError;

/// The context that means "the host and TLS flags, or the environment".
const DEFAULT_CONTEXT: &str = "default";

/// The engine's address when TLS is on and none is given.
const DEFAULT_TLS_HOST: &str = "tcp://localhost:2376";

/// The docker CLI's connection flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `-H/--host`.
    pub host: Option<String>,
    /// `-c/--context`.
    pub context: Option<String>,
    /// `--tls`.
    pub tls: bool,
    /// `--tlsverify`.
    pub tls_verify: bool,
    /// `--tlscacert`.
    pub tls_ca_cert: Option<PathBuf>,
    /// `--tlscert`.
    pub tls_cert: Option<PathBuf>,
    /// `--tlskey`.
    pub tls_key: Option<PathBuf>,
}

/// An engine to connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Its address.
    pub host: EngineHost,
    /// The files of a TLS connection, when it is one.
    pub tls: Option<TlsFiles>,
}

/// The files of a TLS connection: the CA that signed the engine's certificate, and the client's
/// certificate and key (presented when both files exist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// `ca.pem`.
    pub ca: PathBuf,
    /// `cert.pem`.
    pub cert: PathBuf,
    /// `key.pem`.
    pub key: PathBuf,
}

/// `meta.json` of a context, as far as pruner reads it.
#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: ContextEndpoints,
}

#[derive(Default, Deserialize)]
struct ContextEndpoints {
    docker: Option<DockerEndpoint>,
}

#[derive(Deserialize)]
struct DockerEndpoint {
    #[serde(rename = "Host", default)]
    host: String,
}

/// `config.json`, as far as pruner reads it.
#[derive(Default, Deserialize)]
struct ClientConfig {
    #[serde(rename = "currentContext", default)]
    current_context: String,
}

impl ConnectOptions {
    /// The flags that cannot go together, in the docker CLI's words; checked before the prompt,
    /// as the docker CLI does.
    pub fn check(&self) -> Result<(), String> {
        if self.host.is_some() && self.context.is_some() {
            return Err(
                "conflicting options: cannot specify both --host and --context".to_string(),
            );
        }
        Ok(())
    }

    /// The engine these flags and the environment `env` (a variable's value by name) choose.
    pub fn endpoint(&self, env: impl Fn(&str) -> Option<String>) -> Result<Endpoint, ConnectError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let config_dir = env("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|home| Path::new(&home).join(".docker")))
            .unwrap_or_else(|| PathBuf::from(".docker"));
        let context = match (&self.context, &self.host) {
            (Some(context), _) => context.clone(),
            (None, Some(_)) => DEFAULT_CONTEXT.to_string(),
            (None, None) if env("DOCKER_HOST").is_some() => DEFAULT_CONTEXT.to_string(),
            (None, None) => env("DOCKER_CONTEXT")
                .or_else(|| current_context(&config_dir))
                .unwrap_or_else(|| DEFAULT_CONTEXT.to_string()),
        };
        if context != DEFAULT_CONTEXT {
            return context_endpoint(&config_dir, &context);
        }

        let verify = self.tls_verify || env("DOCKER_TLS_VERIFY").is_some();
        let tls = self.tls || verify;
        let given = self.host.clone().or_else(|| env("DOCKER_HOST"));
        let host = match given {
            None if tls => EngineHost::resolve(Some(DEFAULT_TLS_HOST), None),
            given => EngineHost::resolve(given.as_deref(), None),
        };
        if !tls {
            return Ok(Endpoint { host, tls: None });
        }
        let cert_dir = env("DOCKER_CERT_PATH").map_or(config_dir, PathBuf::from);
        let file = |flag: &Option<PathBuf>, name: &str| {
            flag.clone().unwrap_or_else(|| cert_dir.join(name))
        };
        let files = TlsFiles {
            ca: file(&self.tls_ca_cert, "ca.pem"),
            cert: file(&self.tls_cert, "cert.pem"),
            key: file(&self.tls_key, "key.pem"),
        };
        // The CA is needed; the client's pair only when asked for by a flag.
        let needed = [
            Some(&files.ca),
            self.tls_cert.as_ref().map(|_| &files.cert),
            self.tls_key.as_ref().map(|_| &files.key),
        ];
        for path in needed.into_iter().flatten() {
            if !path.exists() {
                return Err(ConnectError::Endpoint(format!(
                    "open {}: no such file or directory",
                    path.display()
                )));
            }
        }
        Ok(Endpoint {
            host,
            tls: Some(files),
        })
    }
}

/// `config.json`'s current context, if it names one.
fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let config: ClientConfig = serde_json::from_str(&text).ok()?;
    Some(config.current_context).filter(|name| !name.is_empty())
}

/// The endpoint of the context `name` in the store under `config_dir`.
fn context_endpoint(config_dir: &Path, name: &str) -> Result<Endpoint, ConnectError> {
    let id = hex(&Sha256::digest(name.as_bytes()));
    let meta = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|err| {
        let why = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            _ => err.to_string(),
        };
        ConnectError::Endpoint(format!(
            "context \"{name}\": context not found: open {}: {why}",
            meta.display()
        ))
    })?;
    let meta: ContextMeta = serde_json::from_str(&text).map_err(|err| {
        ConnectError::Endpoint(format!("context \"{name}\": {}: {err}", meta.display()))
    })?;
    let host = meta
        .endpoints
        .docker
        .map(|docker| docker.host)
        .unwrap_or_default();
    let tls_dir = config_dir.join("contexts/tls").join(&id).join("docker");
    let ca = tls_dir.join("ca.pem");
    let tls = ca.exists().then(|| TlsFiles {
        ca,
        cert: tls_dir.join("cert.pem"),
        key: tls_dir.join("key.pem"),
    });
    Ok(Endpoint {
        host: EngineHost::resolve(Some(&host), None),
        tls,
    })
}

/// Lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A client configuration directory of its own; removed when dropped.
    struct ConfigDir(PathBuf);

    impl ConfigDir {
        fn new(name: &str) -> ConfigDir {
            let dir =
                std::env::temp_dir().join(format!("pruner-endpoint-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            ConfigDir(dir)
        }

        fn write(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        /// The environment with `DOCKER_CONFIG` here and `vars`.
        fn env<'a>(&'a self, vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
            let mut all: HashMap<String, String> = vars
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            all.insert(
                "DOCKER_CONFIG".into(),
                self.0.to_string_lossy().into_owned(),
            );
            move |name| all.get(name).cloned()
        }
    }

    impl Drop for ConfigDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The context `name`'s id: the SHA-256 of its name, as docker names its directory.
    const CTX: &str = "f6fd147ace426ca54e49bffe0876b462c7876785f430057c82b120c8fdfcbb22";

    fn host(endpoint: Result<Endpoint, ConnectError>) -> String {
        endpoint.expect("an endpoint").host.url().to_string()
    }

    #[test]
    fn the_context_is_the_flag_then_host_then_docker_context_then_the_config() {
        let dir = ConfigDir::new("order");
        dir.write(
            &format!("contexts/meta/{CTX}/meta.json"),
            r#"{"Name":"h5ctx","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://ctx:1","SkipTLSVerify":false}}}"#,
        );
        dir.write("config.json", r#"{"currentContext":"h5ctx"}"#);
        let options = |context: Option<&str>, host: Option<&str>| ConnectOptions {
            context: context.map(String::from),
            host: host.map(String::from),
            ..ConnectOptions::default()
        };
        let none: &[(&str, &str)] = &[];
        assert_eq!(
            host(options(None, None).endpoint(dir.env(none))),
            "tcp://ctx:1"
        );
        assert_eq!(
            host(options(Some("h5ctx"), None).endpoint(dir.env(&[("DOCKER_HOST", "tcp://env:2")]))),
            "tcp://ctx:1"
        );
        assert_eq!(
            host(options(None, Some("tcp://flag:3")).endpoint(dir.env(none))),
            "tcp://flag:3"
        );
        assert_eq!(
            host(
                options(None, None).endpoint(
                    dir.env(&[("DOCKER_HOST", "tcp://env:2"), ("DOCKER_CONTEXT", "h5ctx")])
                )
            ),
            "tcp://env:2"
        );
        assert_eq!(
            host(options(Some("default"), None).endpoint(dir.env(none))),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            options(Some("a"), Some("b")).check(),
            Err("conflicting options: cannot specify both --host and --context".to_string())
        );
    }

    #[test]
    fn a_missing_context_gets_the_docker_clis_text() {
        let dir = ConfigDir::new("missing");
        let err = ConnectOptions::default()
            .endpoint(dir.env(&[("DOCKER_CONTEXT", "nope")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Failed to initialize: unable to resolve docker endpoint: context \"nope\": \
                 context not found: open {}/contexts/meta/\
                 ca3704aa0b06f5954c79ee837faa152d84d6b2d42838f0637a15eda8337dbdce/meta.json: no \
                 such file or directory",
                dir.0.display()
            )
        );
    }

    #[test]
    fn tls_takes_the_files_of_the_flags_or_the_cert_path_and_needs_the_ca() {
        let dir = ConfigDir::new("tls");
        let verify = ConnectOptions {
            tls_verify: true,
            host: Some("tcp://engine:2376".into()),
            ..ConnectOptions::default()
        };
        assert_eq!(
            verify.endpoint(dir.env(&[])).unwrap_err().to_string(),
            format!(
                "Failed to initialize: unable to resolve docker endpoint: open {}/ca.pem: no \
                 such file or directory",
                dir.0.display()
            )
        );
        dir.write("certs/ca.pem", "");
        let certs = dir.0.join("certs");
        let endpoint = ConnectOptions::default()
            .endpoint(dir.env(&[
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", certs.to_str().unwrap()),
            ]))
            .unwrap();
        assert_eq!(
            endpoint,
            Endpoint {
                host: EngineHost::resolve(Some(DEFAULT_TLS_HOST), None),
                tls: Some(TlsFiles {
                    ca: certs.join("ca.pem"),
                    cert: certs.join("cert.pem"),
                    key: certs.join("key.pem"),
                }),
            }
        );
    }
}
