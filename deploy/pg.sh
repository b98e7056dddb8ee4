# Shared by run.sh and test.sh: find or install Debian's PostgreSQL, run its tools as the right user.
# Sourced, not executed.

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  return 1
}

ensure_postgres() {
  if pg_bindir >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing PostgreSQL (Debian package 'postgresql')"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    pg_bindir >/dev/null && return 0
  fi
  echo "PostgreSQL's server binaries are missing. Install them with: sudo apt-get install postgresql" >&2
  exit 1
}

# Run a PostgreSQL tool: as the 'postgres' OS user when we are root (initdb refuses root), from /, since
# that user may not be able to enter the current folder. Give it absolute paths it can reach.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Own a folder as the user who runs PostgreSQL.
pg_own() {
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$@"; fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A TCP port on 127.0.0.1 that nothing listens on (bash only: no other tool needed).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    port_busy "$p" || { echo "$p"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

# init_cluster DATADIR: a private cluster that trusts loopback connections (local development and tests only).
init_cluster() {
  local data=$1 bin
  bin=$(pg_bindir)
  as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
}

# start_cluster DATADIR PORT LOGFILE [extra -o options]
start_cluster() {
  local data=$1 port=$2 log=$3 extra=${4:-} bin
  bin=$(pg_bindir)
  # 9>&-: PostgreSQL must not inherit the run command's lock.
  if ! as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 9>&- \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data $extra" start >/dev/null; then
    echo "PostgreSQL did not start; the end of its log ($log):" >&2
    tail -n 15 "$log" >&2 || true
    return 1
  fi
}

stop_cluster() {
  local data=$1 bin
  bin=$(pg_bindir)
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_cluster DATA PORT: the run command's PostgreSQL, kept in DATA/postgres between runs. Creates the cluster
# on the first call, starts it unless it is running, and sets PG_CLUSTER to its directory and PG_LOG to its
# log, both as real paths (no links) that the PostgreSQL tools can use; stop it with stop_cluster "$PG_CLUSTER".
# As root the server runs as the 'postgres' user, which must reach that directory. When it cannot reach the
# folder that holds DATA (a checkout in a home folder of mode 700), the cluster lives in
# /var/tmp/khuyencong-<hash of DATA>/postgres and DATA/postgres is a link to it; later calls find the link
# and use its target. Tested by deploy/tests/launcher.sh.
pg_cluster() {
  local data=$1 port=$2 dir outside
  PG_CLUSTER= PG_LOG=
  mkdir -p "$data" && data=$(realpath -e "$data") || return 1
  if [ -L "$data/postgres" ]; then
    dir=$(readlink -m "$data/postgres")
    if [ ! -d "$dir" ]; then
      echo "==> $data/postgres points to $dir, which is gone; creating a new cluster there"
      mkdir -p "$dir" || return 1
      case $dir in /var/tmp/khuyencong-*/postgres) chmod 755 "$(dirname "$dir")" ;; esac
    fi
  elif [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$data")"; then
    # An empty folder left by an earlier failed attempt can go; a cluster cannot move by itself.
    if [ -e "$data/postgres" ] && ! rmdir "$data/postgres" 2>/dev/null; then
      echo "The postgres user cannot reach $data/postgres (a folder it cannot enter, such as a home folder" >&2
      echo "of mode 700). Move the checkout elsewhere, or remove $data/postgres to start a new cluster." >&2
      return 1
    fi
    outside="/var/tmp/khuyencong-$(echo -n "$data" | md5sum | cut -c1-12)"
    echo "==> the postgres user cannot reach $data; keeping the cluster in $outside"
    mkdir -p "$outside/postgres" && chmod 755 "$outside" && ln -s "$outside/postgres" "$data/postgres" || return 1
  fi
  mkdir -p "$data/postgres" && dir=$(realpath -e "$data/postgres") || return 1
  PG_LOG="$(dirname "$dir")/postgres.log"
  if [ ! -f "$dir/PG_VERSION" ]; then
    echo "==> creating the private PostgreSQL cluster in $dir"
    if [ "$dir" = "$data/postgres" ]; then chmod 755 "$data" || return 1; fi
    chmod 700 "$dir" && pg_own "$dir" && init_cluster "$dir" || return 1
  fi
  PG_CLUSTER=$dir
  if ! as_pg "$(pg_bindir)/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    if port_busy "$port"; then
      echo "Cổng PostgreSQL $port đang bị dùng (port $port is in use): set KC_PG_PORT to another port." >&2
      return 1
    fi
    echo "==> starting PostgreSQL on 127.0.0.1:$port ($dir)"
    touch "$PG_LOG" && pg_own "$PG_LOG" && start_cluster "$dir" "$port" "$PG_LOG" || return 1
  fi
}
