#!/usr/bin/env bash
# Start throwaway PostgreSQL and MariaDB servers on loopback for the test suite.
#
#   .ci/servers.sh start   # starts both, writes $MEMOIR_SERVERS_DIR/env (export lines)
#   .ci/servers.sh stop    # stops both
#
# PostgreSQL comes from the machine image (initdb refuses root, so it runs as
# the postgres user); MariaDB from Debian's mariadb-server package.
set -euo pipefail

DIR=${MEMOIR_SERVERS_DIR:-/tmp/memoir-test-servers}
PG_PORT=${MEMOIR_PG_PORT:-54329}
MY_PORT=${MEMOIR_MY_PORT:-33069}
PASSWORD=memoir-test-secret

pg_bin() {
  local name=$1
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/$name" ] && { echo "$d/$name"; return; }
  done
  command -v "$name"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local data=$DIR/pg
  if [ ! -d "$data" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR" "$data"
    as_postgres "$(pg_bin initdb)" -D "$data" -U postgres --auth=trust -E UTF8 >"$DIR/pg-initdb.log"
  fi
  as_postgres "$(pg_bin pg_ctl)" -D "$data" -l "$DIR/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $data -c max_connections=200 -c fsync=off" start >/dev/null
  as_postgres "$(pg_bin psql)" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -q -v ON_ERROR_STOP=1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'memoir') THEN
    CREATE ROLE memoir LOGIN SUPERUSER PASSWORD '$PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE memoir OWNER memoir' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'memoir')\gexec
SQL
  echo "export MEMOIR_TEST_POSTGRES_URL=postgresql+psycopg://memoir:$PASSWORD@127.0.0.1:$PG_PORT/memoir" >>"$DIR/env"
}

start_mariadb() {
  local data=$DIR/mariadb
  local user=mysql
  id mysql >/dev/null 2>&1 || user=$(id -un)
  if [ ! -d "$data" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown "$user": "$data"
    mariadb-install-db --user="$user" --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db >"$DIR/mariadb-install.log" 2>&1
  fi
  mariadbd --user="$user" --datadir="$data" --socket="$data/mysqld.sock" --pid-file="$data/mysqld.pid" \
    --port="$MY_PORT" --bind-address=127.0.0.1 --skip-name-resolve --max-connections=300 \
    --innodb-flush-log-at-trx-commit=0 --log-error="$data/mariadb.log" >"$data/mariadbd.out" 2>&1 &
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$data/mysqld.sock" -u root ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb --socket="$data/mysqld.sock" -u root <<SQL
CREATE USER IF NOT EXISTS 'memoir'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS 'memoir'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'memoir'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'memoir'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS memoir CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
FLUSH PRIVILEGES;
SQL
  echo "export MEMOIR_TEST_MYSQL_URL=mysql+pymysql://memoir:$PASSWORD@127.0.0.1:$MY_PORT/memoir" >>"$DIR/env"
}

stop_servers() {
  [ -d "$DIR/pg" ] && as_postgres "$(pg_bin pg_ctl)" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
  if [ -f "$DIR/mariadb/mysqld.pid" ]; then
    kill "$(cat "$DIR/mariadb/mysqld.pid")" 2>/dev/null || true
  fi
}

case ${1:-start} in
  start)
    mkdir -p "$DIR"
    : >"$DIR/env"
    start_postgres
    start_mariadb
    cat "$DIR/env"
    ;;
  stop) stop_servers ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
