# Sourced by .ci/run after `make install`: a throwaway PostgreSQL cluster and a Chroma server on
# loopback, for the tests that run the review store and the knowledge base against real servers.
# Exports ONBRAND_TEST_POSTGRES_URL, ONBRAND_TEST_CHROMA_HOST and ONBRAND_TEST_CHROMA_PORT; with CI
# set, tests that need them fail (not skip) when they are missing. Both servers stop on exit.
#
#   source .ci/servers.sh && start_test_servers     # then: make test

_servers_dir=""
_chroma_pid=""
_pg_bin=""
_pg_as=()  # the command prefix that runs PostgreSQL's tools as a non-root user

_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        echo "servers: need root (or password-less sudo) to run: $*" >&2
        return 1
    fi
}

_find_pg_bin() {
    # Debian keeps the server binaries out of PATH, one folder per major version; take the newest.
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$found" ] && [ -x "$found/initdb" ] && [ -x "$found/pg_ctl" ]; then
        echo "$found"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v pg_ctl)"
    fi
}

_install_postgres() {
    echo "servers: installing PostgreSQL (Debian's postgresql package)"
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

_wait_for() {  # _wait_for SECONDS LOG COMMAND...: retry COMMAND until it succeeds; print LOG on timeout
    local seconds=$1 log=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "servers: gave up after ${seconds}s waiting for: $*" >&2
            [ -f "$log" ] && tail -n 50 "$log" >&2
            return 1
        fi
        sleep 0.5
    done
}

_start_postgres() {
    _pg_bin=$(_find_pg_bin)
    if [ -z "$_pg_bin" ]; then
        _install_postgres
        _pg_bin=$(_find_pg_bin)
    fi
    [ -n "$_pg_bin" ] || { echo "servers: PostgreSQL is not installed and could not be installed" >&2; return 1; }
    local data="$_servers_dir/pg" port
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then  # the server refuses to run as root: it runs as the package's user
        chown -R postgres: "$data"
        chmod 755 "$_servers_dir"
        _pg_as=(runuser -u postgres --)
    fi
    port=$(_free_port)
    "${_pg_as[@]}" "$_pg_bin/initdb" -D "$data/data" -U onbrand -A trust -E UTF8 --no-sync >"$data/initdb.log" 2>&1 ||
        { cat "$data/initdb.log" >&2; return 1; }
    # Throwaway data: no fsync. Sockets in the cluster's own folder, TCP on loopback only.
    "${_pg_as[@]}" "$_pg_bin/pg_ctl" -D "$data/data" -l "$data/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c full_page_writes=off" start \
        >/dev/null || { tail -n 50 "$data/postgres.log" >&2; return 1; }
    _wait_for 60 "$data/postgres.log" "$_pg_bin/pg_isready" -h 127.0.0.1 -p "$port" -U onbrand
    "$_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U onbrand onbrand_test
    export ONBRAND_TEST_POSTGRES_URL="postgresql+psycopg://onbrand@127.0.0.1:$port/onbrand_test"
    echo "servers: PostgreSQL $("$_pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

_chroma_up() {
    python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "http://127.0.0.1:$1/api/v2/heartbeat"
}

_start_chroma() {
    local chroma=.venv/bin/chroma port log="$_servers_dir/chroma.log"
    [ -x "$chroma" ] || { echo "servers: $chroma is missing; run make install first" >&2; return 1; }
    port=$(_free_port)
    ANONYMIZED_TELEMETRY=False "$chroma" run --path "$_servers_dir/chroma" --host 127.0.0.1 --port "$port" \
        >"$log" 2>&1 &
    _chroma_pid=$!
    _wait_for 90 "$log" _chroma_up "$port"
    kill -0 "$_chroma_pid" 2>/dev/null || { tail -n 50 "$log" >&2; return 1; }
    export ONBRAND_TEST_CHROMA_HOST=127.0.0.1 ONBRAND_TEST_CHROMA_PORT="$port"
    echo "servers: Chroma on 127.0.0.1:$port"
}

stop_test_servers() {  # an EXIT trap: nothing here may fail, or it would replace the tests' exit status
    if [ -n "$_chroma_pid" ]; then
        kill "$_chroma_pid" 2>/dev/null || true
        wait "$_chroma_pid" 2>/dev/null || true
        _chroma_pid=""
    fi
    if [ -n "$_pg_bin" ] && [ -f "$_servers_dir/pg/data/postmaster.pid" ]; then
        "${_pg_as[@]}" "$_pg_bin/pg_ctl" -D "$_servers_dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$_servers_dir" ]; then
        rm -rf "$_servers_dir" || true
    fi
    _servers_dir=""
    return 0
}

start_test_servers() {
    _servers_dir=$(mktemp -d /tmp/onbrand-ci-servers.XXXXXX)  # /tmp: the postgres user can reach it
    trap stop_test_servers EXIT
    _start_postgres
    _start_chroma
}
