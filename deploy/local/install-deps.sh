#!/usr/bin/env bash
# Installs the system packages Novyse Sync needs on Debian/Ubuntu: PostgreSQL server binaries, redis-server,
# the hiredis and SQLite headers and libraries. Does nothing for packages already present. Needs root or sudo.
set -euo pipefail

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -f /usr/include/hiredis/hiredis.h ] || need+=(libhiredis-dev)
# GRDB (the client library's SQLite mirror, used by novysectl demo and the client tests) links the system SQLite.
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)

# The Socket.IO interop tests (Tests/SocketIOTests) drive the official python-socketio client.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import socketio, websocket, requests' >/dev/null 2>&1; then
  pip_args=(-m pip install -q --disable-pip-version-check "python-socketio[client]" websocket-client requests)
  python3 "${pip_args[@]}" >/dev/null 2>&1 || python3 "${pip_args[@]}" --break-system-packages >/dev/null 2>&1 \
    || echo "install-deps: could not install python-socketio; the Socket.IO interop tests will fail"
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: PostgreSQL, Redis, hiredis and SQLite are present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian starts packaged servers on install; the project runs its own private ones instead.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
fi
