# A private Docker Engine for the differential suite and the benchmark; sourced by .ci/run.
#
#   pruner_dockerd_start   installs docker.io and busybox-static when missing, starts dockerd
#                          (vfs, no iptables, temporary directories, a socket of its own) in the
#                          zone Asia/Kolkata (UTC+05:30, so `until` in local time is tested
#                          against a zone that is not UTC), makes it a one-node swarm, imports
#                          busybox as busybox:latest, and exports DOCKER_HOST; it also listens
#                          on tcp://127.0.0.1:$PRUNER_DOCKERD_TLS_PORT (23760) with TLS, verifying
#                          clients against a throwaway CA made here with openssl, and exports
#                          PRUNER_DOCKER_TLS_HOST and PRUNER_DOCKER_TLS_CERTS (a directory with
#                          the CA and a client's pair as ca.pem, cert.pem, key.pem); and it
#                          starts an sshd in front of it (pruner_sshd_start, below), exporting
#                          PRUNER_DOCKER_SSH_HOST (ssh://USER@127.0.0.1:23722) and SSH_AUTH_SOCK
#   pruner_dockerd_stop    stops that dockerd and sshd and removes their directories (idempotent)

PRUNER_DOCKERD_DIR=
PRUNER_DOCKERD_PID=
PRUNER_SSHD_DIR=

pruner_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

pruner_dockerd_start() {
    if ! command -v dockerd >/dev/null || ! command -v busybox >/dev/null \
        || ! command -v docker >/dev/null || ! command -v openssl >/dev/null \
        || ! [ -x /usr/sbin/sshd ] || ! command -v ssh-agent >/dev/null; then
        pruner_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        # policy-rc.d: the packages' services (an sshd on port 22) are not started.
        printf '#!/bin/sh\nexit 101\n' | pruner_as_root tee /usr/sbin/policy-rc.d >/dev/null
        pruner_as_root chmod +x /usr/sbin/policy-rc.d
        pruner_as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends docker.io busybox-static openssl \
            openssh-server openssh-client >/dev/null
        pruner_as_root rm -f /usr/sbin/policy-rc.d
    fi

    PRUNER_DOCKERD_DIR=$(mktemp -d /tmp/pruner-dockerd.XXXXXX)
    local dir=$PRUNER_DOCKERD_DIR
    local tls_port=${PRUNER_DOCKERD_TLS_PORT:-23760}
    pruner_dockerd_certs "$dir/tls"
    pruner_as_root env TZ=Asia/Kolkata dockerd \
        --host "unix://$dir/docker.sock" \
        --host "tcp://127.0.0.1:$tls_port" --tlsverify --tlscacert "$dir/tls/ca.pem" \
        --tlscert "$dir/tls/server-cert.pem" --tlskey "$dir/tls/server-key.pem" \
        --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        --iptables=false --ip6tables=false --storage-driver=vfs --shutdown-timeout 2 \
        >"$dir/dockerd.log" 2>&1 &
    PRUNER_DOCKERD_PID=$!
    export DOCKER_HOST="unix://$dir/docker.sock"
    export PRUNER_DOCKER_TLS_HOST="tcp://127.0.0.1:$tls_port" PRUNER_DOCKER_TLS_CERTS="$dir/tls"

    local tries=0
    until docker version >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 300 ] || ! kill -0 "$PRUNER_DOCKERD_PID" 2>/dev/null; then
            echo "dockerd did not come up; its log:" >&2
            cat "$dir/dockerd.log" >&2
            return 1
        fi
        sleep 0.2
    done
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null

    # A busybox image from busybox-static: no registry is needed.
    local rootfs="$dir/busybox-rootfs"
    mkdir -p "$rootfs/bin"
    cp "$(command -v busybox)" "$rootfs/bin/busybox"
    local applet
    for applet in sh top sleep true false head cat echo ls; do
        ln -s busybox "$rootfs/bin/$applet"
    done
    tar -C "$rootfs" -cf "$dir/busybox.tar" .
    docker import -c 'CMD ["sh"]' "$dir/busybox.tar" busybox:latest >/dev/null
    pruner_sshd_start "$dir/ssh" || return 1
    echo "dockerd $(docker version --format '{{.Server.Version}}') at $DOCKER_HOST and $PRUNER_DOCKER_SSH_HOST"
}

# An sshd of the run's own on 127.0.0.1:$PRUNER_SSHD_PORT (23722) in $1, through which
# `ssh://` reaches the engine as docker reaches it: the key of this user's login sets DOCKER_HOST
# for `docker system dial-stdio`. The login key is in an ssh-agent of the run's own
# ($SSH_AUTH_SOCK); the host key is added to this user's known_hosts (ssh reads no other file
# without a config), replacing an older entry for the address. Exports PRUNER_DOCKER_SSH_HOST.
pruner_sshd_start() {
    local ssh=$1 port=${PRUNER_SSHD_PORT:-23722}
    mkdir -p "$ssh" && chmod 700 "$ssh"
    ssh-keygen -q -t ed25519 -N '' -C pruner-test-host -f "$ssh/host_key"
    ssh-keygen -q -t ed25519 -N '' -C pruner-test-login -f "$ssh/id"
    printf 'environment="DOCKER_HOST=%s" %s\n' "$DOCKER_HOST" "$(cat "$ssh/id.pub")" \
        >"$ssh/authorized_keys"
    printf '%s\n' "ListenAddress 127.0.0.1" "Port $port" "HostKey $ssh/host_key" \
        "AuthorizedKeysFile $ssh/authorized_keys" "PermitUserEnvironment yes" \
        "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" \
        "StrictModes no" "PidFile $ssh/sshd.pid" >"$ssh/sshd_config"
    pruner_as_root mkdir -p /run/sshd
    pruner_as_root /usr/sbin/sshd -f "$ssh/sshd_config" -E "$ssh/sshd.log" || {
        cat "$ssh/sshd.log" >&2
        return 1
    }
    PRUNER_SSHD_DIR=$ssh
    local home
    home=$(getent passwd "$(id -un)" | cut -d: -f6)
    mkdir -p "$home/.ssh" && chmod 700 "$home/.ssh"
    ssh-keygen -q -R "[127.0.0.1]:$port" -f "$home/.ssh/known_hosts" >/dev/null 2>&1 || true
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$ssh/host_key.pub")" >>"$home/.ssh/known_hosts"
    eval "$(ssh-agent -s -a "$ssh/agent.sock")" >/dev/null
    ssh-add -q "$ssh/id" 2>/dev/null
    export PRUNER_DOCKER_SSH_HOST="ssh://$(id -un)@127.0.0.1:$port"
}

pruner_sshd_stop() {
    if [ -n "$PRUNER_SSHD_DIR" ]; then
        pruner_as_root kill -TERM "$(cat "$PRUNER_SSHD_DIR/sshd.pid" 2>/dev/null)" 2>/dev/null || true
        if [ -n "${SSH_AGENT_PID:-}" ]; then kill -TERM "$SSH_AGENT_PID" 2>/dev/null || true; fi
        unset SSH_AGENT_PID SSH_AUTH_SOCK PRUNER_DOCKER_SSH_HOST
        PRUNER_SSHD_DIR=
    fi
}

# A throwaway CA in $1, a server certificate for 127.0.0.1 and localhost, and a client's pair.
pruner_dockerd_certs() {
    local tls=$1
    mkdir -p "$tls"
    (
        cd "$tls" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 \
            -subj /CN=pruner-test-ca
        openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr \
            -subj /CN=localhost
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
            >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
            -out server-cert.pem -days 2 -extfile server.ext
        openssl req -newkey rsa:2048 -nodes -keyout key.pem -out client.csr -subj /CN=client
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
            -out cert.pem -days 2 -extfile client.ext
    ) >"$tls/openssl.log" 2>&1 || { cat "$tls/openssl.log" >&2; return 1; }
}

pruner_dockerd_stop() {
    pruner_sshd_stop
    if [ -n "$PRUNER_DOCKERD_PID" ]; then
        local pid
        pid=$(cat "$PRUNER_DOCKERD_DIR/dockerd.pid" 2>/dev/null || echo "$PRUNER_DOCKERD_PID")
        pruner_as_root kill -TERM "$pid" 2>/dev/null || true
        local tries=0
        while pruner_as_root kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 150 ]; do
            tries=$((tries + 1))
            sleep 0.2
        done
        pruner_as_root kill -KILL "$pid" 2>/dev/null || true
        wait "$PRUNER_DOCKERD_PID" 2>/dev/null || true
        PRUNER_DOCKERD_PID=
    fi
    if [ -n "$PRUNER_DOCKERD_DIR" ]; then
        pruner_as_root rm -rf "$PRUNER_DOCKERD_DIR" 2>/dev/null || true
        PRUNER_DOCKERD_DIR=
    fi
}
