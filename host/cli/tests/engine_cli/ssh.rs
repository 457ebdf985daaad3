//! `ssh://` engines, side by side with the docker CLI: both run the system `ssh` with docker's
//! arguments and `docker system dial-stdio` on the host, here the sshd `.ci/dockerd.sh` starts in
//! front of the test engine.

use super::*;

/// The `ssh://` address of the test engine (`$PRUNER_DOCKER_SSH_HOST`, with `$SSH_AUTH_SOCK`
/// holding its login key); `None` (after saying how to run) when there is none and none is
/// required.
fn ssh_engine() -> Option<String> {
    if let Ok(host) = std::env::var("PRUNER_DOCKER_SSH_HOST") {
        return Some(host);
    }
    let why = "no ssh engine: PRUNER_DOCKER_SSH_HOST is unset";
    assert!(!required(), "{why}, and one is required here");
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {why}; start one with .ci/dockerd.sh (see .ci/run)"
    );
    None
}

#[test]
fn against_an_ssh_engine_pruner_prunes_as_docker_by_flag_variable_and_context() {
    if !docker_cli() {
        return;
    }
    let (Some(engine), Some(ssh)) = (engine(), ssh_engine()) else {
        return;
    };
    let _one = one_prune_at_a_time();
    let nonce = std::process::id();
    let label = |who: &str| format!("pruner-ssh={nonce}-{who}");
    let ids: Vec<String> = ["docker", "pruner"]
        .iter()
        .map(|who| created(&engine, &label(who)))
        .collect();
    let prune = |program: &str, who: &str| {
        let filter = format!("label={}", label(who));
        run_with(
            program,
            &["-H", &ssh, "container", "prune", "-f", "--filter", &filter],
            &[],
            Input::Text(""),
        )
    };
    let docker_run = prune(DOCKER_CLI, "docker");
    assert_eq!(
        docker_run.stdout,
        format!(
            "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
            ids[0]
        ),
        "{}",
        docker_run.stderr
    );
    assert_eq!(
        prune(PRUNER, "pruner"),
        Run {
            stdout: docker_run.stdout.replace(&ids[0], &ids[1]),
            ..docker_run
        }
    );
    for who in ["docker", "pruner"] {
        let filter = format!("label={}", label(who));
        let left = docker(&engine, &["ps", "-aq", "--filter", &filter]);
        assert_eq!(left, "", "{who}");
    }

    let nothing = [
        "network",
        "prune",
        "-f",
        "--filter",
        "label=pruner-ssh-matches-nothing",
    ];
    assert_same_with(&nothing, &[("DOCKER_HOST", &ssh)], Input::Text(""));
    let config = std::env::temp_dir().join(format!("pruner-ssh-contexts-{nonce}"));
    let _ = std::fs::remove_dir_all(&config);
    let config_dir = config.to_str().expect("UTF-8");
    let created = run_with(
        DOCKER_CLI,
        &[
            "context",
            "create",
            "pruner-ssh",
            "--docker",
            &format!("host={ssh}"),
        ],
        &[("DOCKER_CONFIG", config_dir)],
        Input::Text(""),
    );
    assert_eq!(created.code, Some(0), "{}", created.stderr);
    let (docker_run, pruner_run) = both_with(
        &[&["--context", "pruner-ssh"][..], &nothing].concat(),
        &[("DOCKER_CONFIG", config_dir)],
        Input::Text(""),
    );
    assert_eq!(docker_run.stdout, "", "{}", docker_run.stderr);
    assert_eq!(pruner_run, docker_run);
    let _ = std::fs::remove_dir_all(&config);
}

#[test]
fn an_ssh_engine_that_cannot_be_reached_gets_dockers_text_but_for_the_method_and_escapes() {
    if !docker_cli() {
        return;
    }
    let Some(ssh) = ssh_engine() else { return };
    // Nothing listens on port 1; a user the sshd does not know.
    let address = ssh.split_once('@').map_or("", |(_, address)| address);
    let stranger = format!("ssh://pruner-no-such-user@{address}");
    for host in [
        "ssh://root@127.0.0.1:1",
        stranger.as_str(),
        "ssh://me:secret@127.0.0.1:1",
    ] {
        let args = ["-H", host, "network", "prune", "-f"];
        let (docker_run, pruner_run) = both_with(&args, &[], Input::Text(""));
        assert_eq!(docker_run.code, Some(1), "{}", docker_run.stderr);
        assert_eq!(
            pruner_run,
            Run {
                // docker names the request's method; pruner, as for every engine, only its URL,
                // and it escapes the control characters of the text it quotes (ssh's `\r\n`).
                stderr: format!(
                    "{}\n",
                    docker_run
                        .stderr
                        .strip_suffix('\n')
                        .expect("a line")
                        .replacen(
                            "Head \"http://docker.example.com/_ping\"",
                            "http://docker.example.com/_ping",
                            1
                        )
                        .replace('\r', "\\r")
                        .replace('\n', "\\n")
                ),
                ..docker_run
            },
            "{host}"
        );
    }
}
