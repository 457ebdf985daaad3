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
#                          the CA and a client's pair as ca.pem, cert.pem, key.pem)
#   pruner_dockerd_stop    stops that dockerd and removes its directories (idempotent)

PRUNER_DOCKERD_DIR=
PRUNER_DOCKERD_PID=

pruner_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

pruner_dockerd_start() {
    if ! command -v dockerd >/dev/null || ! command -v busybox >/dev/null \
        || ! command -v docker >/dev/null || ! command -v openssl >/dev/null; then
        pruner_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        pruner_as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends docker.io busybox-static openssl >/dev/null
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
    echo "dockerd $(docker version --format '{{.Server.Version}}') at $DOCKER_HOST"
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
