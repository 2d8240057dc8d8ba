#!/usr/bin/env bash
# Applies pending schema migrations (novysectl migrate). Idempotent, and safe while services run: migrations
# serialize on a Postgres advisory lock, and each runs in one transaction.
#
#   deploy/ops/migrate.sh [TARGET]
#
# TARGET, one of:
#   (none)                     this machine's novysectl with DATABASE_URL from the environment (or --database-url)
#   --compose                  the compose stack's one-shot "migrate" service (docker compose run --rm; starts
#                              Postgres if needed); with --compose-service S, docker compose exec into S instead;
#                              --compose-file F, --compose-project P (default novyse)
#   --kubectl [-n NS]          kubectl exec into deploy/novyse-command (--kubectl-pod POD for another pod,
#                              --context C for another cluster)
# In a cluster the Job novyse-migrate of deploy/k8s does the same on every apply.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

# shellcheck source=deploy/ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

extra=()
while [[ $# -gt 0 ]]; do
    ops_target_option "$@"
    if [[ "$OPS_SHIFT" -gt 0 ]]; then shift "$OPS_SHIFT"; continue; fi
    case "$1" in
        --database-url) extra+=("$1" "${2:?--database-url needs a value}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
if [[ "$OPS_TARGET" == compose && -z "$OPS_COMPOSE_SERVICE" ]]; then
    # shellcheck disable=SC2034  # read by ops_novysectl (lib.sh)
    OPS_COMPOSE_RUN=1
fi
ops_resolve_target novyse-command migrate

ops_say "migrate: apply pending schema migrations — $(date -u +%FT%TZ)"
ops_novysectl migrate "${extra[@]+"${extra[@]}"}"
