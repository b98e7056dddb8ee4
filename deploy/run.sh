#!/usr/bin/env bash
# Run the whole system locally: a private PostgreSQL kept in .data/ (git-ignored), migrations, reference
# and demo data, a mail sink, and every service. Logs are prefixed with the service's name.
# Ctrl-C stops everything, PostgreSQL included.
#
# KC_REPLICAS=2 ./deploy/run.sh runs two replicas of every service behind nginx (Debian's package, installed
# when missing and root): nginx listens on each service's usual port, replica i on that port + 10000 × i
# (identity: 18081 and 28081), every caller goes through nginx. The configuration: deploy/nginx-conf.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/pg.sh

DATA="$PWD/.data"
PG_PORT=${KC_PG_PORT:-55432}
SMTP_PORT=${KC_MAIL_PORT:-2525}
DEMO_PASSWORD="KhuyenCong@2025"
# The services, their ports (KC_<NAME>_PORT overrides) and whether they use the database, from the one
# list the services themselves are built with.
SERVICES=() USES_DB=()
while read -r name port database _label; do
  case "$name" in ''|'#'*) continue ;; esac
  var="KC_${name^^}_PORT"
  port=${!var:-$port}
  export "$var=$port" "KC_${name^^}_URL=http://127.0.0.1:$port"
  SERVICES+=("$name:$port")
  [ "$database" = yes ] && USES_DB+=("$name")
done < deploy/services.txt
IDENTITY_PORT=$KC_IDENTITY_PORT PORTAL_PORT=$KC_PORTAL_PORT
REPLICAS=${KC_REPLICAS:-1}
case "$REPLICAS" in [1-9]) ;; *) echo "KC_REPLICAS must be a number from 1 to 9, not $REPLICAS" >&2; exit 1 ;; esac
# The ports of a service's replicas (its own port when there is one replica; nginx takes it otherwise).
replica_ports() {
  if [ "$REPLICAS" = 1 ]; then echo "$1"; return; fi
  for i in $(seq 1 "$REPLICAS"); do echo $(( $1 + 10000 * i )); done
}
if [ "$REPLICAS" != 1 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing nginx (Debian) for the replicas"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; } >/dev/null
  else
    echo "KC_REPLICAS needs nginx: sudo apt-get install nginx" >&2; exit 1
  fi
fi

mkdir -p "$DATA"
exec 9>"$DATA/run.lock"
if ! flock -n 9; then
  echo "Hệ thống đã đang chạy từ thư mục này (another copy of the run command is already running here)." >&2
  echo "Stop it with Ctrl-C in its terminal first." >&2
  exit 1
fi
ALL_PORTS=()
for sp in "${SERVICES[@]}"; do
  ALL_PORTS+=("$sp")
  [ "$REPLICAS" = 1 ] || for p in $(replica_ports "${sp#*:}"); do ALL_PORTS+=("${sp%%:*}-replica:$p"); done
done
for sp in "${ALL_PORTS[@]}" mail:"$SMTP_PORT"; do
  name=${sp%%:*} port=${sp#*:}
  if port_busy "$port"; then
    echo "Cổng $port ($name) đang bị chương trình khác dùng (port $port is in use, perhaps by another copy" >&2
    echo "of this system in another folder): stop it, or choose another port with KC_${name^^}_PORT." >&2
    exit 1
  fi
done

ensure_postgres
echo "==> building (cargo build --workspace --bins)"
cargo build --workspace --bins
BIN="$PWD/target/debug"

pids=()
cleanup() {
  trap - EXIT
  echo
  echo "==> stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${PG_CLUSTER:-}" ]; then
    echo "==> stopping PostgreSQL"
    stop_cluster "$PG_CLUSTER"
  fi
  echo "==> stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL: initialise once, start, keep the data between runs (in .data/postgres, or in /var/tmp when the
# postgres user cannot reach this folder: see pg_cluster in deploy/pg.sh).
pg_cluster "$DATA" "$PG_PORT"
ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
db_url() { echo "postgres://kc_$1@127.0.0.1:$PG_PORT/kc"; }

echo "==> migrations and reference data"
"$BIN/kc-migrate" setup "$ADMIN_URL" kc

export KC_MODE=dev KC_DATA_DIR="$DATA"
export KC_SMTP_HOST=127.0.0.1 KC_SMTP_PORT="$SMTP_PORT"

echo "==> demo data"
KC_DATABASE_URL=$(db_url identity) "$BIN/kc-identity" seed-demo
echo "==> the 2018 plan as published (settled schemes of the 63 provinces of the time)"
"$BIN/kc-seed" "postgres://postgres@127.0.0.1:$PG_PORT/kc" --archive-2018

# Mail sink: Python's aiosmtpd (a real SMTP server), each message kept in .data/mailbox (Maildir).
if [ ! -x "$DATA/venv/bin/aiosmtpd" ]; then
  echo "==> installing the mail sink (aiosmtpd from PyPI) into $DATA/venv"
  if ! python3 -m venv "$DATA/venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq >/dev/null && apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$DATA/venv"; python3 -m venv "$DATA/venv"
    else
      echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2; exit 1
    fi
  fi
  "$DATA/venv/bin/pip" install --quiet aiosmtpd
fi
# A Maildir: aiosmtpd writes each message into tmp/ and moves it to new/.
mkdir -p "$DATA/mailbox/tmp" "$DATA/mailbox/new" "$DATA/mailbox/cur"
"$DATA/venv/bin/aiosmtpd" -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$DATA/mailbox" \
  > >(sed -u "s/^/[mail] /") 2>&1 9>&- &
pids+=($!)

if [ "$REPLICAS" != 1 ]; then
  echo "==> nginx in front of $REPLICAS replicas of each service"
  mkdir -p "$DATA/nginx"
  specs=()
  for sp in "${SERVICES[@]}"; do
    specs+=("${sp%%:*}:${sp#*:}:$(replica_ports "${sp#*:}" | paste -sd,)")
  done
  deploy/nginx-conf.sh "$DATA/nginx" "${specs[@]}" > "$DATA/nginx/nginx.conf"
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$DATA/nginx" -c "$DATA/nginx/nginx.conf" \
    > >(sed -u "s/^/[nginx] /") 2>&1 9>&- &
  pids+=($!)
  export KC_TRUST_FORWARDED_FOR=1
fi
for sp in "${SERVICES[@]}"; do
  name=${sp%%:*}
  if [[ " ${USES_DB[*]} " == *" $name "* ]]; then url=$(db_url "$name"); else url=; fi
  var="KC_${name^^}_PORT" i=0
  for port in $(replica_ports "${sp#*:}"); do
    i=$((i + 1)); tag=$name; [ "$REPLICAS" = 1 ] || tag="$name.$i"
    env "$var=$port" KC_DATABASE_URL="$url" "$BIN/kc-$name" > >(sed -u "s/^/[$tag] /") 2>&1 9>&- &
    pids+=($!)
  done
done

for sp in "${SERVICES[@]}"; do
  port=${sp#*:}
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
done

echo "==> workflow demo data (through the running services)"
"$BIN/kc-workflow" seed-demo
echo "==> registry demo clusters (as each demo province's officer)"
KC_DATABASE_URL=$(db_url registry) "$BIN/kc-registry" seed-demo
echo "==> notifications demo: duties open, overdue and met, their notices and e-mails (to the mail sink)"
KC_DATABASE_URL=$(db_url notifications) "$BIN/kc-notifications" seed-demo

cat <<MSG

==================================================================================
 Hệ thống Khuyến công đang chạy (the system is up). Ctrl-C để dừng (to stop).

 Cổng thông tin (portal)   http://127.0.0.1:$PORTAL_PORT   (đăng nhập / sign in: dn1.01@demo.test)
 identity                  http://127.0.0.1:$KC_IDENTITY_PORT/docs
 workflow                  http://127.0.0.1:$KC_WORKFLOW_PORT/docs
 registry                  http://127.0.0.1:$KC_REGISTRY_PORT/docs
 notifications             http://127.0.0.1:$KC_NOTIFICATIONS_PORT/docs
 PostgreSQL                postgres://postgres@127.0.0.1:$PG_PORT/kc (data in .data/postgres)
 Mail sink (SMTP)          127.0.0.1:$SMTP_PORT, messages in .data/mailbox

 Demo logins, password: $DEMO_PASSWORD
   bo@demo.test                         Bộ Công Thương (admin, approver)
   so.01@ / so.37@ / so.79@demo.test    Sở Công Thương (approver, admin)
   cv.so.01@ / cv.so.37@ / cv.so.79@    Sở Công Thương (officer: appraisal)
   ttkc.01@ / ttkc.37@ / ttkc.79@...    Trung tâm Khuyến công (officer)
   dn1.01@ / dn2.01@ ... dn2.79@...     Doanh nghiệp (enterprise)
   dk.01@ / dk.37@ / dk.79@demo.test    đăng ký chờ xác minh (registration awaiting verification at /xac-minh)

 Try: curl -s http://127.0.0.1:$IDENTITY_PORT/api/v1/auth/login -H 'content-type: application/json' \\
        -d '{"email":"so.01@demo.test","password":"$DEMO_PASSWORD"}'
==================================================================================

MSG

if [ "$REPLICAS" != 1 ]; then
  echo " $REPLICAS bản sao mỗi dịch vụ sau nginx ($REPLICAS replicas of each service behind nginx on the ports above;"
  echo " replica i on the port + 10000 × i). Logs: [name.i]."
  echo
fi

# Stay up until Ctrl-C or until a service dies.
while true; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "==> a process (pid $pid) exited; stopping the rest" >&2
      exit 1
    fi
  done
  sleep 1
done
