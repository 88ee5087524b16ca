#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for tests and benchmarks (Debian's postgresql).
#   scripts/pg-cluster.sh install             apt-get install postgresql if it is missing
#   scripts/pg-cluster.sh start DIR [PORT]    initdb into DIR (once), start on 127.0.0.1:PORT, print the URL
#   scripts/pg-cluster.sh stop DIR            fast shutdown (clients disconnected, data kept)
#   scripts/pg-cluster.sh url DIR             print postgres://postgres@127.0.0.1:PORT/continuum
# The server runs as the `postgres` system user (initdb refuses root); auth is `trust` on
# loopback only; fsync is off (a throwaway cluster: a clean stop still keeps every commit).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  install)
    if [ -z "$(bindir)" ]; then
      echo "installing postgresql (apt-get)" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
      # Debian's package starts a cluster of its own on 5432; the tests use their own.
      service postgresql stop >/dev/null 2>&1 || true
    fi
    [ -n "$(bindir)" ] || { echo "error: postgresql is not installed and apt-get could not install it" >&2; exit 1; } ;;
  start)
    [ -n "$dir" ] || { echo "usage: $0 start DIR [PORT]" >&2; exit 2; }
    saved=$( [ -f "$dir/port" ] && cat "$dir/port" || true )  # a restart keeps its port
    port=${3:-${saved:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}}
    bin=$(bindir); [ -n "$bin" ] || { echo "error: postgresql is not installed: run $0 install" >&2; exit 1; }
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    echo "$port" >"$dir/port"; [ "$(id -u)" = 0 ] && chown postgres: "$dir/port"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname='continuum'" | grep -q 1 \
      || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres continuum
    echo "postgres://postgres@127.0.0.1:$port/continuum" ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true ;;
  url)
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/continuum" ;;
  *) echo "usage: $0 install | start DIR [PORT] | stop DIR | url DIR" >&2; exit 2 ;;
esac
