#!/usr/bin/env bash
# The run command's PostgreSQL (pg_cluster in deploy/pg.sh) from a checkout the 'postgres' user cannot reach,
# as after `git clone` into /root (mode 700): the cluster must be created outside, started through its real
# path, found again by the next run, and recreated if its outside folder has gone. Also a checkout it can
# reach, where the cluster stays in .data/postgres. Needs root (only then does PostgreSQL run as another
# user). Run by deploy/test.sh after the Rust tests; runnable alone: deploy/tests/launcher.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/pg.sh

if [ "$(id -u)" != 0 ]; then
  echo "launcher test skipped: it needs root. As another user PostgreSQL runs as that user, who can reach"
  echo "their own folders; only as root does it run as 'postgres', which cannot enter a home folder of mode 700."
  exit 0
fi
ensure_postgres
bin=$(pg_bindir)

tmp=$(mktemp -d /tmp/kc-launcher.XXXXXX)
chmod 755 "$tmp"
home="$tmp/home"                   # like /root: only its owner may enter
data="$home/checkout/.data"        # the run command's DATA for a checkout there
open_data="$tmp/open/checkout/.data"
mkdir -p "$home/checkout" "$tmp/open/checkout"
chmod 700 "$home"

stop_here() {                      # DATA: stop its cluster and remove its outside folder, if any
  local d=$1/postgres target
  [ -e "$d" ] || [ -L "$d" ] || return 0
  target=$(readlink -m "$d")
  [ -f "$target/PG_VERSION" ] && stop_cluster "$target"
  case $target in /var/tmp/khuyencong-*/postgres) rm -rf "$(dirname "$target")" ;; esac
}
cleanup() {
  stop_here "$data"
  stop_here "$open_data"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL - $*" >&2; exit 1; }
sql() { "$bin/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1"; }
running() { as_pg "$bin/pg_ctl" -D "$1" status >/dev/null 2>&1; }
call() {                           # pg_cluster DATA PORT, its output kept in $out and shown indented
  if ! pg_cluster "$1" "$port" >"$tmp/out" 2>&1 && grep -q "port $port is in use" "$tmp/out"; then
    # Another program took the port since it was chosen: once more on a fresh one.
    sed 's/^/    | /' "$tmp/out"
    port=$(free_port)
    echo "    (port taken meanwhile; trying 127.0.0.1:$port)"
  fi
  running "$(readlink -f "$1/postgres" 2>/dev/null || echo "$1/postgres")" ||
    pg_cluster "$1" "$port" >"$tmp/out" 2>&1 || { sed 's/^/    | /' "$tmp/out"; fail "pg_cluster $1 failed"; }
  out=$(cat "$tmp/out")
  sed 's/^/    | /' "$tmp/out"
}

port=$(free_port)
echo "launcher test: checkout in $home (mode 700), PostgreSQL on 127.0.0.1:$port"
runuser -u postgres -- test -x "$home/checkout" && fail "precondition: the postgres user can enter $home"
ok "the postgres user cannot enter $home"

echo "  first run"
call "$data"
first=$PG_CLUSTER
[ -L "$data/postgres" ] || fail ".data/postgres is not a link"
case $first in /var/tmp/khuyencong-*/postgres) ;; *) fail "cluster in $first, not in /var/tmp" ;; esac
[ "$(readlink -f "$data/postgres")" = "$first" ] || fail ".data/postgres does not point to $first"
[ -f "$first/PG_VERSION" ] && [[ $out == *creating* ]] || fail "no cluster created"
ok "created the cluster in $first, linked from .data/postgres"
as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "pg_isready: PostgreSQL does not answer"
sql "CREATE DATABASE launcher_marker"
ok "started; pg_isready answers and psql created a database"
stop_cluster "$first"
running "$first" && fail "still running after stop_cluster"
ok "stopped"

echo "  second run (the link is there now)"
call "$data"
[ "$PG_CLUSTER" = "$first" ] || fail "second run used $PG_CLUSTER, not $first"
[[ $out != *creating* && $out != *"cannot reach"* ]] || fail "second run did not reuse the cluster"
[[ $out == *starting* ]] || fail "second run did not start PostgreSQL"
[ "$(sql "SELECT count(*) FROM pg_database WHERE datname = 'launcher_marker'")" = 1 ] ||
  fail "the database made by the first run is missing"
ok "reused the same cluster (the first run's database is there) and started it"
call "$data"
[[ $out != *starting* ]] || fail "a run while PostgreSQL is up started it again"
as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL stopped answering"
ok "a call while it runs leaves it running"
stop_cluster "$first"
running "$first" && fail "still running after stop_cluster"
ok "stopped"

echo "  third run, after the outside folder has gone (as if /var/tmp were cleaned)"
rm -rf "$(dirname "$first")"
call "$data"
[ "$PG_CLUSTER" = "$first" ] && [[ $out == *creating* ]] || fail "no new cluster behind the old link"
[ "$(sql "SELECT count(*) FROM pg_database WHERE datname = 'launcher_marker'")" = 0 ] ||
  fail "expected a new, empty cluster"
ok "created a new cluster behind the existing link and started it"
stop_cluster "$first"
running "$first" && fail "still running after stop_cluster"
ok "stopped"

echo "  a checkout the postgres user can reach"
call "$open_data"
[ ! -L "$open_data/postgres" ] && [ "$PG_CLUSTER" = "$open_data/postgres" ] ||
  fail "cluster in $PG_CLUSTER, expected $open_data/postgres"
as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "pg_isready: PostgreSQL does not answer"
ok "created and started the cluster in .data/postgres itself"
stop_cluster "$PG_CLUSTER"
running "$PG_CLUSTER" && fail "still running after stop_cluster"
ok "stopped"

cleanup
trap - EXIT
[ -e "$tmp" ] || [ -e "$(dirname "$first")" ] && fail "left files behind"
ok "removed $tmp and $(dirname "$first")"
echo "launcher test: $checks checks passed"
