#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1 for tests: `source .ci/postgres.sh; pg_up; …; pg_down`.
# Service starts are blocked on CI machines, so the cluster runs from a temporary directory as `postgres`.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${PGPORT:-55432}

pg_install() {
  if [ ! -x "$PGBIN/initdb" ]; then
    echo "--- installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null >/dev/null
    apt-get install -y -q --no-install-recommends postgresql </dev/null >/dev/null
  fi
}

pg_up() {
  pg_install
  PGROOT=$(mktemp -d)
  chown postgres:postgres "$PGROOT"
  install -d -o postgres -g postgres -m 700 "$PGROOT/data"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync </dev/null >/dev/null
  # fsync and friends off: this cluster only ever holds test data.
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start </dev/null >/dev/null
  runuser -u postgres -- psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE otomoto_test" </dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/otomoto_test"
  export PGROOT
}

pg_down() {
  if [ -n "${PGROOT:-}" ] && [ -d "$PGROOT/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop </dev/null >/dev/null || true
    rm -rf "$PGROOT"
  fi
}
