#!/usr/bin/env bash
# Benchmarks (figures, not tests): Argon2 cost, logins/s, GET /api/v1/me requests/s and latency; then
# workflow on the national-scale data of deploy/seed: a centre's queue and one transition, the national
# execution report of a year (beside pgbench on its SQL), the scheme list as XLSX and CSV; the registry's
# national CCN summary today and as of a past date, and a 5 000-row import; the portal's queue and
# dashboard pages over the same data, and their first render in Chromium on a slow line.
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

# Logins beyond Argon2's capacity are shed (429 'busy' with Retry-After, KC_LOGIN_QUEUE) while the other
# routes keep their latency: /me alone with 8 connections, then the same beside 64 connections logging in.
echo
echo "==> reference: GET /api/v1/me alone, ${DURATION}s, 1 thread, 8 connections"
wrk -t1 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$app_port/api/v1/me" \
  | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "==> a login flood: POST /api/v1/auth/login on 64 connections and GET /api/v1/me on 8, together, ${DURATION}s"
wrk -t1 -c64 -d"${DURATION}s" --latency -s "$tmp/login.lua" "http://127.0.0.1:$app_port/api/v1/auth/login" \
  > "$tmp/flood.txt" &
flood=$!
wrk -t1 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$app_port/api/v1/me" \
  | grep -E "Requests/sec|50%|99%|Non-2xx" | sed 's/^/    \/me   /'
wait "$flood"
grep -E "Requests/sec|50%|99%|Non-2xx|requests in" "$tmp/flood.txt" | sed 's/^/    login /'
echo "    (the login's non-2xx answers are the logins shed with 429: every password sent is right)"

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

# --- Workflow money figures at national scale: the execution report and the scheme export. ---
echo
echo "==> workflow: the execution report over $(psql_su -c 'SELECT count(*) FROM workflow.schemes') schemes, $(psql_su -c 'SELECT count(*) FROM workflow.payments') payments"
ministry_wf=$(curl -s "http://127.0.0.1:$app_port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bo@demo.test","password":"KhuyenCong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
year=2024
report="/api/v1/reports/execution?year=$year&group_by=province"
echo "    year $year: $(psql_su -c "SELECT count(*) FROM workflow.schemes WHERE plan_year = $year AND support_approved IS NOT NULL") approved schemes, $(psql_su -c "SELECT count(*) FROM workflow.payments p JOIN workflow.schemes s ON s.id = p.scheme_id WHERE s.plan_year = $year") payments"
for i in 1 2 3; do
  curl -s -o "$tmp/report.json" -w "    one request ($i): %{http_code} in %{time_total} s\n" "http://127.0.0.1:$wf_port$report" \
    -H "Authorization: Bearer $ministry_wf"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["total"]; print("   ", len(d["rows"]), "provinces; approved", t["approved"], "paid", t["paid"], "settled", t["settled"], "rate", t["execution_rate"], "%")' "$tmp/report.json"
echo "==> GET $report as the ministry, ${DURATION}s, 2 threads, 8 connections"
wrk -t2 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $ministry_wf" "http://127.0.0.1:$wf_port$report" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
# The reference: PostgreSQL alone running the report's four statements (the same SQL, literals for
# the parameters, as the superuser: no row-level security), pgbench with as many clients.
cat > "$tmp/report.sql" <<SQL
SELECT f.fund, sum(f.approved), sum(f.committed), sum(f.advanced), sum(f.paid), sum(f.settled), count(*)
  FROM workflow.scheme_figures f JOIN identity.admin_units p ON p.id = f.province_id
  JOIN identity.admin_units o ON o.id = f.origin_unit_id JOIN identity.organisations io ON io.id = f.implementing_org_id
 WHERE f.plan_year = $year GROUP BY 1;
SELECT e.fund, sum(e.amount) FROM workflow.envelopes e LEFT JOIN identity.admin_units a ON a.id = e.province_id
 WHERE e.year = $year AND ((e.fund = 'kcqg' AND e.province_id IS NULL) OR (e.fund = 'kcdp' AND e.province_id IS NOT NULL)) GROUP BY 1;
SELECT p.code, p.name, sum(f.approved), sum(f.committed), sum(f.advanced), sum(f.paid), sum(f.settled), count(*)
  FROM workflow.scheme_figures f JOIN identity.admin_units p ON p.id = f.province_id
  JOIN identity.admin_units o ON o.id = f.origin_unit_id JOIN identity.organisations io ON io.id = f.implementing_org_id
 WHERE f.plan_year = $year GROUP BY 1, 2 ORDER BY 1, 2;
SELECT a.code, sum(e.amount) FROM workflow.envelopes e LEFT JOIN identity.admin_units a ON a.id = e.province_id
 WHERE e.year = $year AND e.province_id IS NOT NULL GROUP BY 1;
SQL
chmod 644 "$tmp/report.sql"
echo "==> reference: pgbench, the report's 4 statements as one transaction, ${DURATION}s, 8 clients, 2 threads"
runuser -u postgres -- "$(pg_bindir)/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 8 -j 2 -T "$DURATION" \
  -f "$tmp/report.sql" kc 2>&1 | grep -E "^tps|latency average|number of transactions actually"
echo "    workflow RSS after the report runs: $(ps -o rss= -p "$wf_pid" | awk '{printf "%.1f MiB", $1/1024}')"

echo
echo "==> workflow: the scheme list exported as XLSX and CSV (every scheme the ministry sees, all columns)"
for fmt in xlsx csv; do
  before_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$wf_pid/status")
  curl -s -o "$tmp/export.$fmt" -w "    $fmt: %{http_code} in %{time_total} s, %{size_download} bytes\n" \
    "http://127.0.0.1:$wf_port/api/v1/schemes/export?format=$fmt" -H "Authorization: Bearer $ministry_wf"
  after_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$wf_pid/status")
  echo "    rows: $(python3 -c 'import sys,csv,zipfile,re
p=sys.argv[1]
if p.endswith(".csv"):
    print(sum(1 for _ in open(p, encoding="utf-8-sig")) - 1)
else:
    x=zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml").decode()
    print(len(re.findall(r"<row ", x)) - 2)' "$tmp/export.$fmt"); workflow peak RSS $(awk -v a="$before_hwm" -v b="$after_hwm" 'BEGIN {printf "%.1f MiB before, %.1f MiB after", a/1024, b/1024}')"
done

# --- The portal over the same data: the centre's queue and the ministry's dashboard as pages (HTML
# made from the services' answers) beside the API calls behind them; each page's weight; the first
# render on a slow line in Chromium. The portal holds the visitors' tokens in a cookie. ---
echo
echo "==> portal: pages over the national data (the API routes behind each are measured alongside)"
pt_port=$(free_port)
KC_PORTAL_PORT=$pt_port KC_IDENTITY_URL="http://127.0.0.1:$app_port" KC_WORKFLOW_URL="http://127.0.0.1:$wf_port" \
  "$BIN/kc-portal" & pt_pid=$!
trap 'kill $wf_pid $pt_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$pt_port/health" >/dev/null && break; sleep 0.1; done
page_queue="/ho-so?status=submitted"
api_queue="/api/v1/applications?per_page=50&page=1&status=submitted"
page_dash="/tong-hop?year=$year"
for run in "centre|$centre|$page_queue|$api_queue" "ministry|$ministry_wf|$page_dash|$report"; do
  IFS='|' read -r who tok page api <<<"$run"
  echo "    $page as the $who: $(curl -s -o "$tmp/page.html" -w '%{http_code}, %{size_download} bytes of HTML' \
    "http://127.0.0.1:$pt_port$page" -H "Cookie: kc_at=$tok")"
  echo "==> GET $page (portal) as the $who, ${DURATION}s, 2 threads, 8 connections"
  wrk -t2 -c8 -d"${DURATION}s" --latency -H "Cookie: kc_at=$tok" "http://127.0.0.1:$pt_port$page" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
  echo "==> reference: GET $api (workflow, the page's main call), ${DURATION}s, 2 threads, 8 connections"
  wrk -t2 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $tok" "http://127.0.0.1:$wf_port$api" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|requests in"
done
echo "    stylesheet: $(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$pt_port/static/portal.css") bytes, script: $(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$pt_port/static/portal.js") bytes (both cached a day; the script optional); no web font, no image"
echo "    portal RSS after the runs: $(ps -o rss= -p "$pt_pid" | awk '{printf "%.1f MiB", $1/1024}')"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  [ "$(id -u)" = 0 ] && { apt-get update -qq >/dev/null; apt-get install -y -qq chromium chromium-driver >/dev/null; } || true
fi
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "==> portal: first render in Chromium at 1.6 Mbit/s with 150 ms latency, cache off, a phone-sized window"
  python3 deploy/bench_render.py /usr/bin/chromedriver /usr/bin/chromium "http://127.0.0.1:$pt_port" "$centre" \
    "/dang-nhap" "$page_queue"
  python3 deploy/bench_render.py /usr/bin/chromedriver /usr/bin/chromium "http://127.0.0.1:$pt_port" "$ministry_wf" \
    "$page_dash" | tail -n +2
else
  echo "    (Chromium is missing: no render figures)"
fi
kill "$pt_pid" 2>/dev/null || true
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

# --- Notifications at national scale: scheduler passes over the generator's open obligations, the
# mailer against a real SMTP server (aiosmtpd), and an event's way from workflow to the obligation. ---
echo
echo "==> notifications: scheduler passes over $(psql_su -c "SELECT count(*) FROM notifications.obligations WHERE state = 'open'") open obligations (one pass each, as the worker role)"
if [ -x .data/venv-test/bin/python ] && .data/venv-test/bin/python -c 'import aiosmtpd' 2>/dev/null; then
  py=.data/venv-test/bin/python
else
  python3 -m venv "$tmp/venv" && "$tmp/venv/bin/pip" install --quiet aiosmtpd && py="$tmp/venv/bin/python"
fi
smtp_port=$(free_port)
mkdir -p "$tmp/mail"
"$py" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$tmp/mail" & smtp_pid=$!
mkdir -p "$tmp/mail/tmp" "$tmp/mail/new" "$tmp/mail/cur"
trap 'kill $wf_pid $rg_pid $smtp_pid 2>/dev/null; cleanup' EXIT
export KC_SMTP_PORT=$smtp_port
nf() {
  KC_DATABASE_URL="postgres://kc_notifications@127.0.0.1:$port/kc" KC_IDENTITY_URL="http://127.0.0.1:$app_port" \
    "$BIN/kc-notifications" "$@"
}
echo "    2026-11-16, before any obligation's first reminder (the pass finds nothing to do):"
nf pass 2026-11-16 | sed 's/^/    /'
echo "    2026-11-20, the first reminders of the obligations due by 4 December:"
nf pass 2026-11-20 | sed 's/^/    /'
echo "    2026-12-01, the reminders of those due by 15 December (and the second reminders of those due by 4 December):"
nf pass 2026-12-01 | sed 's/^/    /'
echo "    the same day again (every notice and e-mail is keyed: nothing new):"
nf pass 2026-12-01 | sed 's/^/    /'
echo
echo "==> notifications: the mailer sends 5 000 of the queued e-mails to aiosmtpd on loopback (one connection per e-mail)"
nf send 5000 | sed 's/^/    /'
echo "    messages in the sink's Maildir: $(ls "$tmp/mail/new" | wc -l)"

echo
echo "==> notifications: from an event written in workflow's transaction to the obligation visible in the API"
nt_port=$(free_port)
KC_NOTIFICATIONS_PORT=$nt_port KC_DATABASE_URL="postgres://kc_notifications@127.0.0.1:$port/kc" \
  KC_IDENTITY_URL="http://127.0.0.1:$app_port" "$BIN/kc-notifications" & nt_pid=$!
trap 'kill $wf_pid $rg_pid $smtp_pid $nt_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$nt_port/health" >/dev/null && break; sleep 0.1; done
echo "    notifications RSS at rest: $(ps -o rss= -p "$nt_pid" | awk '{printf "%.1f MiB", $1/1024}')"
hanoi=$(psql_su -c "SELECT id FROM identity.admin_units WHERE code = '01' AND valid_to IS NULL")
PSQL="$(pg_bindir)/psql" python3 - "$port" "$nt_port" "$ministry" "$hanoi" <<'PY'
import json, os, statistics, subprocess, sys, time, urllib.request, uuid
port, nt_port, token, province = sys.argv[1:5]
def total():
    req = urllib.request.Request(
        f"http://127.0.0.1:{nt_port}/api/v1/obligations?duty=national_settlement&per_page=1",
        headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))["total"]
lat = []
for i in range(20):
    before = total()
    scheme = uuid.uuid4()
    payload = json.dumps({"scheme_id": str(scheme), "province": province, "fund": "kcqg", "plan_year": 2026,
                          "from": "selected", "to": "approved", "version": 6, "by": str(uuid.uuid4()),
                          "reason": None, "support_approved": "300000000"})
    sql = ("INSERT INTO outbox.events (producer, topic, version, province_id, dedup_key, payload) VALUES "
           f"('workflow', 'workflow.scheme_transitioned', 1, '{province}', '{scheme}:6', '{payload}')")
    t0 = time.monotonic()
    subprocess.run(["runuser", "-u", "postgres", "--", os.environ["PSQL"], "-h", "127.0.0.1", "-p", port,
                    "-U", "postgres", "-d", "kc", "-Atqc", sql], check=True)
    while total() == before:
        time.sleep(0.01)
    lat.append((time.monotonic() - t0) * 1000)
lat.sort()
print(f"    20 events, one at a time (the consumer looks every 250 ms when idle): "
      f"p50 {statistics.median(lat):.0f} ms, min {lat[0]:.0f} ms, max {lat[-1]:.0f} ms")
PY
echo "    notifications RSS after: $(ps -o rss= -p "$nt_pid" | awk '{printf "%.1f MiB", $1/1024}')"
