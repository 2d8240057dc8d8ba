#!/usr/bin/env bash
# Prints the projector's progress (novysectl projector status): per Redis partition the stream length, the
# consumer group's pending entries and lag, and its consumers; then how many streams the snapshot is behind
# the event store in Postgres.
#
#   deploy/ops/projector-status.sh [--kubectl-pod POD [--namespace NS]] [novysectl options...]
#
# Needs DATABASE_URL (and REDIS_URL, else redis://127.0.0.1:6379) in the environment, or --kubectl-pod to run
# novysectl inside a pod of the deployment through `kubectl exec`. Other options (--group, --prefix,
# --partitions, --database-url, --redis-url) are passed to novysectl.
set -euo pipefail

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

pod=""
namespace=()
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kubectl-pod) pod="${2:?--kubectl-pod needs a pod name}"; shift 2 ;;
        --namespace|-n) namespace=(--namespace "${2:?--namespace needs a value}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) extra+=("$1"); shift ;;
    esac
done

# shellcheck source=deploy/ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_novysectl "$pod" "${namespace[@]+"${namespace[@]}"}" -- projector status "${extra[@]+"${extra[@]}"}"
