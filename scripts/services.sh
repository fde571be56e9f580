#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (Debian/Ubuntu): installs them when missing,
# starts them when stopped. Also installs Debian's Chromium for the browser tests (--browser), and
# for the scale-out runs (docs/scaling.md) PgBouncer in transaction mode on 6432 (--pgbouncer) and a
# 3-master Redis Cluster on 7000-7002 (--cluster). Options combine. Safe to run again: every step
# checks first.
set -euo pipefail
want_browser=0 want_pgbouncer=0 want_cluster=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --pgbouncer) want_pgbouncer=1 ;;
    --cluster) want_cluster=1 ;;
    *) echo "scripts/services.sh: unknown option $arg (--browser, --pgbouncer, --cluster)" >&2; exit 2 ;;
  esac
done

need_apt_update=1
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "scripts/services.sh: cannot install $* here (no apt-get); install it yourself, or use docker compose" >&2
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "scripts/services.sh: installing $* needs root (sudo bash scripts/services.sh)" >&2
    return 1
  fi
  if [ "$need_apt_update" = 1 ]; then apt-get update -qq; need_apt_update=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Plain TCP checks (bash's /dev/tcp), so they work without client tools installed.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_up() { port_open 5432; }
redis_up() { port_open 6379; }

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "installing PostgreSQL"; apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  echo "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
# Tests and the default DATABASE_URL connect as postgres over TCP without a password (trust).
if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf | tail -1)
  echo "allowing local trust auth in $hba"
  sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main reload
fi

if ! redis_up; then
  command -v redis-server >/dev/null || { echo "installing Redis"; apt_install redis-server; }
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi

if [ "$want_browser" = 1 ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "installing Chromium (browser tests)"; apt_install chromium || echo "browser tests need Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}" >&2
fi

# PgBouncer 1.18 (Debian 12) in transaction mode in front of the PostgreSQL above, every database
# passed through (*), trust auth like the server. Its files live in a folder of its own under
# $TMPDIR, owned by postgres: pgbouncer refuses to run as root.
if [ "$want_pgbouncer" = 1 ] && ! port_open 6432; then
  command -v pgbouncer >/dev/null || { echo "installing PgBouncer"; apt_install pgbouncer; }
  dir="${TMPDIR:-/tmp}/tidings-pgbouncer"
  mkdir -p "$dir"
  printf '"postgres" ""\n' >"$dir/users.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 10
server_idle_timeout = 10
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; as=(-u postgres); else as=(); fi
  echo "starting PgBouncer (transaction mode) on 6432"
  pgbouncer -d "${as[@]}" "$dir/pgbouncer.ini"
  for _ in $(seq 1 50); do port_open 6432 && break; sleep 0.1; done
  port_open 6432 || { echo "PgBouncer did not start (see $dir/pgbouncer.log)" >&2; exit 1; }
fi

# Three masters, no replicas: enough for keys to spread over slots on different nodes.
if [ "$want_cluster" = 1 ] && ! redis-cli -p 7000 cluster info 2>/dev/null | grep -q cluster_state:ok; then
  dir="${TMPDIR:-/tmp}/tidings-redis-cluster"
  mkdir -p "$dir"
  for port in 7000 7001 7002; do
    port_open "$port" && continue
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
      --cluster-config-file "nodes-$port.conf" --dir "$dir" --save "" --appendonly no --logfile "$dir/$port.log"
  done
  for port in 7000 7001 7002; do
    for _ in $(seq 1 50); do port_open "$port" && break; sleep 0.1; done
  done
  if ! redis-cli -p 7000 cluster info | grep -q 'cluster_known_nodes:3'; then
    echo "creating a 3-master Redis Cluster on 7000-7002"
    redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 --cluster-replicas 0 --cluster-yes >/dev/null
  fi
  for _ in $(seq 1 100); do redis-cli -p 7000 cluster info | grep -q cluster_state:ok && break; sleep 0.1; done
  redis-cli -p 7000 cluster info | grep -q cluster_state:ok || { echo "the Redis Cluster did not become ready" >&2; exit 1; }
fi
echo "PostgreSQL and Redis are up"
