#!/usr/bin/env bash
# Benchmarks (figures, not tests): Argon2 cost, logins/s, GET /api/v1/me requests/s and latency; then
# workflow on the national-scale data of deploy/seed: a centre's queue and one transition; the registry's
# national CCN summary today and as of a past date, and a 5 000-row import.
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

# --- Workflow at national scale: the generator's data, a centre's queue and one transition. ---
echo
echo "==> national data (deploy/seed: kc-seed, in PostgreSQL with generate_series)"
"$BIN/kc-seed" "postgres://postgres@127.0.0.1:$port/kc" 2>&1 | sed 's/^/    /'
wf_port=$(free_port)
KC_WORKFLOW_PORT=$wf_port KC_DATABASE_URL="postgres://kc_workflow@127.0.0.1:$port/kc" \
  KC_IDENTITY_URL="http://127.0.0.1:$app_port" "$BIN/kc-workflow" & wf_pid=$!
trap 'kill $wf_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$wf_port/health" >/dev/null && break; sleep 0.1; done
psql_su() { runuser -u postgres -- "$(pg_bindir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d kc -Atq "$@"; }
echo "    applications: $(psql_su -c 'SELECT count(*) FROM workflow.applications'), of which Hà Nội (01): $(psql_su -c "SELECT count(*) FROM workflow.applications a JOIN identity.admin_units u ON u.id = a.province_id WHERE u.code = '01' AND u.valid_to IS NULL")"
centre=$(curl -s "http://127.0.0.1:$app_port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"ttkc.01@demo.test","password":"KhuyenCong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
queue="/api/v1/applications?status=submitted&fund=kcqg&sort=waiting&per_page=50"
echo "    the queue's first page holds $(curl -s "http://127.0.0.1:$wf_port$queue" -H "Authorization: Bearer $centre" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), "of", d["total"])')"
echo
echo "==> GET $queue as Hà Nội's centre, ${DURATION}s, 2 threads, 16 connections"
wrk -t2 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $centre" "http://127.0.0.1:$wf_port$queue" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"

# Transitions: 'review' on submitted applications of Hà Nội, each once (6 000 made for the run).
psql_su -c "INSERT INTO workflow.applications (id, province_id, organisation_id, status, version, submissions,
    fund, activity_code, plan_year, title, commune, total_cost, support_requested, counterpart,
    expected_results, start_date, end_date, created_by)
  SELECT md5('bench' || g)::uuid, o.province_id, o.id, 'submitted', 2, 1, 'kcqg', 'machinery', 2027,
         'Hồ sơ đo tải ' || g, 'Xã 1', 100000000, 30000000, 70000000, 'Đo tải', '2027-03-01', '2027-11-30', o.id
    FROM generate_series(0, 5999) g
    JOIN (SELECT row_number() OVER (ORDER BY o.id) - 1 AS n, o.id, o.province_id FROM identity.organisations o
            JOIN identity.admin_units u ON u.id = o.province_id
           WHERE u.code = '01' AND u.valid_to IS NULL AND o.kind = 'enterprise' LIMIT 100) o ON o.n = g % 100"
ids=$(psql_su -c "SELECT string_agg('\"' || id || '\"', ',') FROM workflow.applications WHERE title LIKE 'Hồ sơ đo tải %'")
cat > "$tmp/review.lua" <<LUA
local ids = {$ids}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $centre"
request = function()
  i = i + 1
  return wrk.format(nil, "/api/v1/applications/" .. ids[((i - 1) % #ids) + 1] .. "/review", nil, '{"version": 2}')
end
LUA
before_audit=$(psql_su -c "SELECT count(*) FROM audit.events WHERE action = 'application.under_review'")
echo
echo "==> POST /api/v1/applications/{id}/review (lock, check, update, audit row, outbox event), 5s, 1 thread, 8 connections"
wrk -t1 -c8 -d5s --latency -s "$tmp/review.lua" "http://127.0.0.1:$wf_port" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
echo "    audit rows written: $(( $(psql_su -c "SELECT count(*) FROM audit.events WHERE action = 'application.under_review'") - before_audit )); outbox events: $(psql_su -c "SELECT count(*) FROM outbox.events WHERE topic = 'workflow.application_transitioned' AND payload->>'to' = 'under_review'")"
echo "    workflow RSS after the runs: $(ps -o rss= -p "$wf_pid" | awk '{printf "%.1f MiB", $1/1024}')"

echo
echo "==> registry: the national CCN summary over $(psql_su -c 'SELECT count(*) FROM registry.clusters') clusters, $(psql_su -c 'SELECT count(*) FROM registry.cluster_versions') versions (10 years)"
rg_port=$(free_port)
KC_REGISTRY_PORT=$rg_port KC_DATABASE_URL="postgres://kc_registry@127.0.0.1:$port/kc" \
  KC_IDENTITY_URL="http://127.0.0.1:$app_port" "$BIN/kc-registry" & rg_pid=$!
trap 'kill $wf_pid $rg_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$rg_port/health" >/dev/null && break; sleep 0.1; done
ministry=$(curl -s "http://127.0.0.1:$app_port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bo@demo.test","password":"KhuyenCong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
for q in "" "?as_of=2020-06-30&basis=as_was"; do
  url="/api/v1/clusters/summary$q"
  echo "    $url: $(curl -s "http://127.0.0.1:$rg_port$url" -H "Authorization: Bearer $ministry" | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["total"]; print(len(d["lines"]), "provinces,", t["clusters"], "clusters, occupancy", t["occupancy_percent"], "%")')"
  echo "==> GET $url as the ministry, ${DURATION}s, 2 threads, 8 connections"
  wrk -t2 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $ministry" "http://127.0.0.1:$rg_port$url" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
done
echo "    registry RSS after the runs: $(ps -o rss= -p "$rg_pid" | awk '{printf "%.1f MiB", $1/1024}')"

echo
echo "==> registry: importing a 5 000-row CSV file (Hà Nội's officer, all rows valid, one transaction)"
officer=$(curl -s "http://127.0.0.1:$app_port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"cv.so.01@demo.test","password":"KhuyenCong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 - "$tmp/import.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("code,name,communes,status,latitude,longitude,planned_area_ha,industrial_area_ha,leased_area_ha,"
            "investor_name,investor_kind,registered_capital,wastewater_exists,wastewater_capacity_m3,"
            "wastewater_operating,sectors,secondary_projects,workers,decision_number,decision_date\n")
    for i in range(5000):
        planned = 10 + i % 65
        f.write(f"IMP-{i:05d},Cụm công nghiệp nhập {i},Xã số {1 + i % 20},operating,{10 + (i % 130) / 10},"
                f"{104 + (i % 80) / 10},{planned},{planned * 0.7:.2f},{planned * 0.35:.2f},Công ty CP Hạ tầng {i},"
                f"enterprise,{planned * 5000000000},có,{500 + i % 20 * 100},có,Cơ khí; Dệt may,{i % 30},{i % 2000},"
                f"{i}/QĐ-UBND,15/03/2021\n")
PY
echo "    file: $(wc -c < "$tmp/import.csv") bytes"
before_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$rg_pid/status"); before_rss=$(awk '/VmRSS/ {print $2}' "/proc/$rg_pid/status")
curl -s -o "$tmp/import.json" -w "    answered %{http_code} in %{time_total} s\n" "http://127.0.0.1:$rg_port/api/v1/clusters/import" \
  -H "Authorization: Bearer $officer" -H 'content-type: application/octet-stream' --data-binary "@$tmp/import.csv"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("    rows", d.get("rows"), "imported", d.get("imported"), "rejected", len(d.get("rejected") or []))' "$tmp/import.json"
after_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$rg_pid/status")
echo "    registry peak RSS: $(awk -v a="$before_hwm" -v b="$after_hwm" 'BEGIN {printf "%.1f MiB before, %.1f MiB after the import (RSS before: %.1f MiB)", a/1024, b/1024, '"$before_rss"'/1024}')"
