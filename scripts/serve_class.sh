#!/usr/bin/env bash
# A lecture hall on one machine: N Streamlit processes of the course behind HAProxy.
#
#   bash scripts/serve_class.sh [--processes 2] [--port 8501] [--address 0.0.0.0] [--backend-port PORT+1]
#                               [--script app/streamlit_app.py] [-- more streamlit options]
#   bash scripts/serve_class.sh --print-config [--port 8501] [--backends app-1:8501,app-2:8501]
#
# One Streamlit process runs every student's script on one core (Python's GIL), so a class of
# more than about 30 active students waits for it; N processes use N cores. The processes listen
# on 127.0.0.1, ports --backend-port .. --backend-port+N-1; HAProxy (Debian's package, installed
# if missing) listens on --address:--port and sends each new visitor to the process with the
# fewest open connections. It sets a cookie naming that process, so the visitor's websocket,
# media and download requests, and a reconnecting browser, reach the process that holds the
# Streamlit session (a session lives in one process's memory).
#
# The balancer starts only once every process answers its health check, so no class lands on
# the processes that happened to start first (a websocket never moves); after that,
# /_stcore/health through the balancer answers 503 whenever a process is down.
# Runs in the foreground; SIGINT or SIGTERM stops everything it started. If one process exits,
# the script stops the others and exits with an error, for a supervisor to restart the hall.
#
# --print-config prints the HAProxy configuration and exits (with --backends, for servers that
# run elsewhere: docker-compose.yml holds this output for its two app containers).
set -euo pipefail
cd "$(dirname "$0")/.."

AFFINITY_COOKIE="STREAMLIT_PROCESS"   # benchmarks/hall.py counts sessions per process by it
PROCESSES=2
PORT=8501
ADDRESS="0.0.0.0"
BACKEND_PORT=""
SCRIPT="app/streamlit_app.py"
BACKENDS=""
PRINT_CONFIG=0
STARTUP_TIMEOUT=180
STREAMLIT_OPTIONS=()

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ "$#" -gt 0 ]; do
    case "$1" in
        --processes) PROCESSES="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --address) ADDRESS="$2"; shift 2 ;;
        --backend-port) BACKEND_PORT="$2"; shift 2 ;;
        --script) SCRIPT="$2"; shift 2 ;;
        --backends) BACKENDS="$2"; shift 2 ;;
        --print-config) PRINT_CONFIG=1; shift ;;
        --) shift; STREAMLIT_OPTIONS=("$@"); break ;;
        *) usage ;;
    esac
done
[[ "$PROCESSES" =~ ^[1-9][0-9]*$ && "$PORT" =~ ^[0-9]+$ ]] || usage
BACKEND_PORT="${BACKEND_PORT:-$((PORT + 1))}"

backend_ports() {  # the internal port of each process, one a line
    seq "$BACKEND_PORT" $((BACKEND_PORT + PROCESSES - 1))
}

backends() {  # host:port of each process, one a line
    if [ -n "$BACKENDS" ]; then tr ',' '\n' <<<"$BACKENDS"; else backend_ports | sed 's/^/127.0.0.1:/'; fi
}

haproxy_config() {  # the balancer's configuration for the servers that backends() lists
    local count
    count="$(backends | wc -l)"
    cat <<EOF
# HAProxy in front of ${count} Streamlit processes of RNN Explainer (scripts/serve_class.sh).
global
    maxconn 2000

defaults
    mode http
    option redispatch
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # a websocket stays open for the whole lesson (Streamlit pings it every 30 s)
    timeout tunnel 1h
    timeout http-request 10s

frontend hall
    bind ${ADDRESS}:${PORT}
    # healthy only while every process is: a class must not pile onto the processes that are up
    http-request return status 503 content-type text/plain string "not every Streamlit process is up" if { path /_stcore/health } { nbsrv(streamlit) lt ${count} }
    default_backend streamlit

backend streamlit
    # new visitors go to the process with the fewest open connections (websockets, i.e. sessions);
    # the cookie keeps a visitor's later requests and reconnections on the process that holds its session
    balance leastconn
    cookie ${AFFINITY_COOKIE} insert indirect nocache httponly
    option httpchk GET /_stcore/health
    default-server check inter 2s fall 2 rise 1
EOF
    local n=0 server
    while read -r server; do
        n=$((n + 1))
        echo "    server p${n} ${server} cookie p${n}"
    done < <(backends)
}

if [ "$PRINT_CONFIG" = 1 ]; then
    haproxy_config
    exit 0
fi

source scripts/debian_package.sh
need_debian_packages /usr/sbin/haproxy haproxy
PY="$(command -v python || command -v python3)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/serve_class.XXXXXX")"
PIDS=()

stop_all() {  # SIGTERM to every process started here, SIGKILL to any still there after 10 s
    trap - INT TERM EXIT
    if [ "${#PIDS[@]}" -gt 0 ]; then
        kill -TERM "${PIDS[@]}" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "${PIDS[@]}" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "${PIDS[@]}" 2>/dev/null || true
        wait "${PIDS[@]}" 2>/dev/null || true
    fi
    rm -rf "$RUN_DIR"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

healthy() {  # healthy PORT: 127.0.0.1:PORT answers GET /_stcore/health with 200 (bash's /dev/tcp, no curl)
    local status=""
    exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
    printf 'GET /_stcore/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    read -r -t 5 _ status _ <&3 || true
    exec 3<&- 3>&-
    [ "$status" = 200 ]
}

for port in $(backend_ports); do
    "$PY" -m streamlit run "$SCRIPT" --server.address=127.0.0.1 --server.port="$port" \
        --server.headless=true "${STREAMLIT_OPTIONS[@]}" &
    PIDS+=("$!")
done

waited=0
for port in $(backend_ports); do
    until healthy "$port"; do
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "serve_class: a Streamlit process exited while starting" >&2; exit 1; }
        done
        if [ "$waited" -ge $((STARTUP_TIMEOUT * 5)) ]; then
            echo "serve_class: 127.0.0.1:$port not healthy after ${STARTUP_TIMEOUT} s" >&2
            exit 1
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
done

haproxy_config >"$RUN_DIR/haproxy.cfg"
/usr/sbin/haproxy -c -q -f "$RUN_DIR/haproxy.cfg"
/usr/sbin/haproxy -db -f "$RUN_DIR/haproxy.cfg" &
PIDS+=("$!")
echo "serve_class: ${PROCESSES} Streamlit processes (127.0.0.1:$(backend_ports | paste -sd, -)) behind HAProxy at http://${ADDRESS}:${PORT}" >&2

# Until a signal comes, or one of the processes exits (then the hall is stopped, to be restarted whole).
set +e
wait -n "${PIDS[@]}"
status=$?
echo "serve_class: a process exited (status ${status}); stopping the others" >&2
exit 1
