#!/usr/bin/env bash
# Shows the projector's lag (novysectl projector status): per Redis partition the stream length, the
# consumer group's pending entries and lag, and its consumers; then how many streams the snapshot is behind
# the event store in Postgres. A lag of 0 everywhere means the snapshot has caught up.
#
#   deploy/ops/projector-status.sh [TARGET] [--watch SECONDS] [novysectl options...]
#
# TARGET, one of:
#   (none)                     this machine's novysectl; DATABASE_URL and REDIS_URL (else redis://127.0.0.1:6379)
#                              from the environment, or --database-url / --redis-url
#   --compose                  docker compose exec into the compose stack's projector (deploy/docker-compose.yml,
#                              project novyse; --compose-service S, --compose-file F, --compose-project P)
#   --kubectl [-n NS]          kubectl exec into deploy/novyse-projector (--kubectl-pod POD for another pod,
#                              --context C for another cluster)
# --watch N repeats every N seconds until Ctrl-C. Other options (--group, --prefix, --partitions,
# --database-url, --redis-url) are passed to novysectl.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

# shellcheck source=deploy/ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

watch=""
extra=()
while [[ $# -gt 0 ]]; do
    ops_target_option "$@"
    if [[ "$OPS_SHIFT" -gt 0 ]]; then shift "$OPS_SHIFT"; continue; fi
    case "$1" in
        --watch) watch="${2:?--watch needs a number of seconds}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) extra+=("$1"); shift ;;
    esac
done
ops_resolve_target novyse-projector projector

while true; do
    ops_say "projector status — $(date -u +%FT%TZ)"
    ops_novysectl projector status "${extra[@]+"${extra[@]}"}"
    [[ -n "$watch" ]] || break
    sleep "$watch"
done
