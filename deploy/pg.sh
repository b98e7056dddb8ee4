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

# Run a PostgreSQL tool: as the 'postgres' OS user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
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
