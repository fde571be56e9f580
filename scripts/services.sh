#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (Debian/Ubuntu): installs them when missing,
# starts them when stopped. Also installs Debian's Chromium for the browser tests (--browser).
# Safe to run again: every step checks first.
set -euo pipefail

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

if [ "${1:-}" = "--browser" ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "installing Chromium (browser tests)"; apt_install chromium || echo "browser tests need Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}" >&2
fi
echo "PostgreSQL and Redis are up"
