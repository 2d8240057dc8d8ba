#!/usr/bin/env bash
# Holds the command and query services against their own OpenAPI descriptions with schemathesis (PyPI):
# every check (no 5xx, status codes, content types, headers and bodies as described, inputs the schema
# forbids refused, inputs it allows accepted, ...), against a private stack started with `novysectl dev`
# on free ports. Exits 1 on any failure. test.sh runs it after the Swift suite; alone:
#
#   deploy/local/schemathesis.sh            (builds first if needed; NOVYSE_SCHEMATHESIS_EXAMPLES=N per operation)
set -euo pipefail
cd "$(dirname "$0")/../.."

examples="${NOVYSE_SCHEMATHESIS_EXAMPLES:-25}"
venv="${NOVYSE_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/novyse-schemathesis/venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5
fi

swift build --product novysectl >/dev/null
for product in novyse-command novyse-query novyse-fanout novyse-projector; do swift build --product "$product" >/dev/null; done
bin=$(swift build --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/novyse-schemathesis-XXXXXX")
chown postgres "$work" 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
command_port=$(free_port); query_port=$(free_port); fanout_port=$(free_port); projector_port=$(free_port)
admin_token="schemathesis-admin-$RANDOM$RANDOM"

NOVYSE_ENV=development NOVYSE_ADMIN_TOKEN="$admin_token" NOVYSE_RATE_LIMITS_ENABLED=false \
  NOVYSE_COMMAND_PORT="$command_port" NOVYSE_QUERY_PORT="$query_port" NOVYSE_FANOUT_PORT="$fanout_port" \
  NOVYSE_PROJECTOR_PORT="$projector_port" \
  "$bin/novysectl" dev --data-dir "$work/data" --postgres-port 0 --redis-port 0 >"$work/dev.log" 2>&1 &
dev_pid=$!
stop() {
  kill -TERM "$dev_pid" 2>/dev/null || true
  wait "$dev_pid" 2>/dev/null || true
}
trap stop EXIT

# The stack is up when both HTTP services are ready (the first start initdbs and migrates: be generous).
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$command_port/health/ready" >/dev/null 2>&1 \
     && curl -fsS "http://127.0.0.1:$query_port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$dev_pid" 2>/dev/null; then echo "schemathesis.sh: the stack did not start:"; tail -50 "$work/dev.log"; exit 1; fi
  sleep 0.5
done

admin() {
  curl -fsS -X POST "http://127.0.0.1:$command_port$1" -H "X-Admin-Token: $admin_token" \
    -H 'Content-Type: application/json' -d "$2"
}
user=$(admin /admin/users '{"handle":"schemathesis","name":"Schema"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["uuid"])')
token=$(admin /admin/tokens "{\"userUUID\":\"$user\",\"deviceID\":\"schemathesis\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')

status=0
for service in command query; do
  port_var="${service}_port"
  echo "schemathesis.sh: $service service (${examples} examples per operation)"
  "$venv/bin/schemathesis" --config-file deploy/local/schemathesis.toml run "http://127.0.0.1:${!port_var}/openapi.json" \
    --checks all --max-examples "$examples" --seed 20261203 \
    -H "Authorization: Bearer $token" -H "X-Admin-Token: $admin_token" \
    --request-timeout 30 --report junit --report-dir "$work/report-$service" || status=1
done
[ "$status" -eq 0 ] && echo "schemathesis.sh: no failures" || echo "schemathesis.sh: failures (reports under $work)"
exit "$status"
