#!/usr/bin/env bash
# Rebuilds the projector's snapshot tables from the event store (novysectl projector replay).
#
#   deploy/ops/replay-projector.sh [--verify] [TARGET]
#
# --verify  only compare: rebuild beside the live snapshot, print both checksums, change nothing, and exit 1
#           when they differ. Run it while the projector's lag is 0 (deploy/ops/projector-status.sh), or a
#           difference may only mean the live snapshot moved on during the rebuild.
# without   rebuild beside the live snapshot and swap it in, in one transaction: readers never see a
#           half-built snapshot; whatever was written meanwhile is caught up by the projector's sweep. The
#           projector need not be stopped.
#
# TARGET, one of:
#   (none)                     this machine's novysectl with DATABASE_URL from the environment (or --database-url)
#   --compose                  docker compose exec into the compose stack's projector (deploy/docker-compose.yml,
#                              project novyse; --compose-service S, --compose-file F, --compose-project P)
#   --kubectl [-n NS]          kubectl exec into deploy/novyse-projector (--kubectl-pod POD for another pod,
#                              --context C for another cluster)
# The schema is migrated first.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

# shellcheck source=deploy/ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

verify=()
extra=()
while [[ $# -gt 0 ]]; do
    ops_target_option "$@"
    if [[ "$OPS_SHIFT" -gt 0 ]]; then shift "$OPS_SHIFT"; continue; fi
    case "$1" in
        --verify) verify=(--verify); shift ;;
        --database-url) extra+=("$1" "${2:?--database-url needs a value}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
ops_resolve_target novyse-projector projector

if [[ ${#verify[@]} -gt 0 ]]; then
    ops_say "projector replay, verify only: rebuild beside the live snapshot and compare checksums — $(date -u +%FT%TZ)"
else
    ops_say "projector replay: rebuild the snapshot from the event store and swap it in — $(date -u +%FT%TZ)"
fi
ops_novysectl projector replay "${verify[@]+"${verify[@]}"}" "${extra[@]+"${extra[@]}"}"
