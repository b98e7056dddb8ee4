#!/usr/bin/env bash
# Benchmarks (figures, not tests): Argon2 cost, logins/s, GET /api/v1/me requests/s and latency.
# Release build, a throwaway PostgreSQL, the identity service on loopback, wrk as the load generator
# (Debian package, installed when missing and root). On a 2-core machine wrk and the service share the
# cores: figures are for this machine, load generator included.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/pg.sh
ensure_postgres
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] && { apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; } \
    || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
fi
DURATION=${BENCH_SECONDS:-10}

echo "==> release build"
cargo build --release --workspace --bins --examples
BIN="$PWD/target/release"

tmp=$(mktemp -d /tmp/kc-bench.XXXXXX); chmod 755 "$tmp"; mkdir -p "$tmp/data"; pg_own "$tmp"
port=$(free_port); app_port=$(free_port)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; stop_cluster "$tmp/data"; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
init_cluster "$tmp/data"
start_cluster "$tmp/data" "$port" "$tmp/pg.log"
"$BIN/kc-migrate" setup "postgres://postgres@127.0.0.1:$port/postgres" kc >/dev/null
export KC_MODE=dev KC_DATA_DIR="$tmp" KC_LOG=warn
export KC_DATABASE_URL="postgres://kc_identity@127.0.0.1:$port/kc" KC_DB_MAX_CONNECTIONS=16
export KC_LOCKOUT_ADDR_FAILURES=1000000
"$BIN/kc-identity" seed-demo
KC_IDENTITY_PORT=$app_port "$BIN/kc-identity" & pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$app_port/health" >/dev/null && break; sleep 0.1; done
echo "==> identity RSS at start: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"

echo
echo "==> machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "==> Argon2 (release, one thread)"
"$BIN/examples/bench_passwords"

cat > "$tmp/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"so.01@demo.test","password":"KhuyenCong@2025"}'
LUA
echo
echo "==> POST /api/v1/auth/login, ${DURATION}s, 2 threads, 4 connections (each login: Argon2 verify + refresh token + audit row)"
wrk -t2 -c4 -d"${DURATION}s" --latency -s "$tmp/login.lua" "http://127.0.0.1:$app_port/api/v1/auth/login" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"

echo "    identity RSS after the login run: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"

token=$(curl -s "http://127.0.0.1:$app_port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"so.01@demo.test","password":"KhuyenCong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
echo
echo "==> GET /api/v1/me with a valid token, ${DURATION}s, 2 threads, 32 connections (verify JWT + one tenant transaction)"
wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$app_port/api/v1/me" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
echo
echo "    identity RSS after the /me run: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"

# A reset request must take as long for an address with an account as for one without (it answers
# before looking the address up).
for who in dn1.01@demo.test nobody.here@demo.test; do
  cat > "$tmp/reset.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$who"}'
LUA
  echo
  echo "==> POST /api/v1/auth/password-reset for $who, ${DURATION}s, 1 thread, 1 connection"
  wrk -t1 -c1 -d"${DURATION}s" --latency -s "$tmp/reset.lua" "http://127.0.0.1:$app_port/api/v1/auth/password-reset" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
done
# Idle blocking threads (and the Argon2 memory each keeps) end after tokio's 10 s keep-alive.
sleep 12
echo "    identity RSS at rest, 12 s later: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"
