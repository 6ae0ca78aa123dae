#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for the tests: initdb in a temporary folder, a free
# local port, trust authentication on 127.0.0.1 only, no system service.
#
#   scripts/pg-test-cluster.sh start STATE_DIR   # prints and writes STATE_DIR/conninfo
#   scripts/pg-test-cluster.sh stop  STATE_DIR   # stops the cluster and removes its folder
#
# STATE_DIR/conninfo holds the GDAL connection string ("PG:host=127.0.0.1 port=... dbname=..."),
# which the tests read (CTest fixture "export: PostgreSQL test cluster"). PostgreSQL refuses to
# run as root: as root the cluster runs as the `postgres` user of the Debian packages.
set -euo pipefail
cmd="${1:-}"
state="${2:-}"
if [ -z "$cmd" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
fi
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg-test-cluster: PostgreSQL server binaries not found (install postgresql and postgis: scripts/install-deps.sh)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  if [ -f "$state/datadir" ]; then
    local dir
    dir="$(cat "$state/datadir")"
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
  fi
  rm -f "$state/datadir" "$state/conninfo"
}

case "$cmd" in
  start)
    mkdir -p "$state"
    stop_cluster  # a cluster left by an interrupted test run
    dir="$(mktemp -d /tmp/kepu15-pg.XXXXXX)"
    echo "$dir" >"$state/datadir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$bin/initdb" -D "$dir/data" -U kepu15 -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # Trust on 127.0.0.1 only: no socket logins, no other address.
    echo "host all all 127.0.0.1/32 trust" >"$dir/data/pg_hba.conf"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    psql=(psql -X -q -h 127.0.0.1 -p "$port" -U kepu15 -v ON_ERROR_STOP=1)
    "${psql[@]}" -d postgres -c "CREATE DATABASE kepu15_test"
    "${psql[@]}" -d kepu15_test -c "CREATE EXTENSION postgis"
    conninfo="PG:host=127.0.0.1 port=$port user=kepu15 dbname=kepu15_test"
    echo "$conninfo" >"$state/conninfo"
    echo "$conninfo"
    ;;
  stop)
    stop_cluster
    ;;
  *)
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
