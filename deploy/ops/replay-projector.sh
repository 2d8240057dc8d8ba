#!/usr/bin/env bash
# Rebuilds the projector's snapshot tables from the event store (novysectl projector replay).
#
#   deploy/ops/replay-projector.sh [--verify] [--kubectl-pod POD [--namespace NS]]
#
# --verify  only compare: rebuild beside the live snapshot, print both checksums, change nothing, and exit 1
#           when they differ. Run it while the projector's lag is 0 (deploy/ops/projector-status.sh), or a
#           difference may only mean the live snapshot moved on during the rebuild.
# without   rebuild beside the live snapshot and swap it in, in one transaction: readers never see a
#           half-built snapshot; whatever was written meanwhile is caught up by the projector's sweep.
#
# Needs DATABASE_URL in the environment (locally), or --kubectl-pod to run novysectl inside a pod of the
# deployment (which has DATABASE_URL set) through `kubectl exec`. The schema is migrated first.
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

verify=()
pod=""
namespace=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --verify) verify=(--verify); shift ;;
        --kubectl-pod) pod="${2:?--kubectl-pod needs a pod name}"; shift 2 ;;
        --namespace|-n) namespace=(--namespace "${2:?--namespace needs a value}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

# shellcheck source=deploy/ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "projector replay${verify:+ (verify only)} — $(date -u +%FT%TZ)" >&2
run_novysectl "$pod" "${namespace[@]+"${namespace[@]}"}" -- projector replay "${verify[@]+"${verify[@]}"}"
