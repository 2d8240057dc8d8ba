# Shared by the ops scripts: how to reach novysectl, locally or inside a pod. Source it; don't run it.

# The local novysectl: $NOVYSECTL, else the one on PATH, else the one `swift build` produced for this checkout.
# With a pod: `kubectl exec POD -- novysectl ARGS...`, which uses the pod's own DATABASE_URL / REDIS_URL.
find_novysectl() {
    if [[ -n "${NOVYSECTL:-}" ]]; then echo "$NOVYSECTL"; return; fi
    if command -v novysectl >/dev/null 2>&1; then command -v novysectl; return; fi
    local root bin
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    if command -v swift >/dev/null 2>&1 && bin="$(cd "$root" && swift build --show-bin-path 2>/dev/null)" \
        && [[ -x "$bin/novysectl" ]]; then
        echo "$bin/novysectl"; return
    fi
    echo "novysectl not found: put it on PATH, set NOVYSECTL, or build it (swift build --product novysectl)" >&2
    return 1
}

run_novysectl() {
    local pod="$1"; shift
    local namespace=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do namespace+=("$1"); shift; done
    shift  # the --
    if [[ -n "$pod" ]]; then
        command -v kubectl >/dev/null 2>&1 || { echo "kubectl not found" >&2; return 1; }
        kubectl exec "${namespace[@]+"${namespace[@]}"}" "$pod" -- novysectl "$@"
    else
        if [[ ${#namespace[@]} -gt 0 ]]; then echo "--namespace only applies with --kubectl-pod" >&2; return 2; fi
        local tool
        tool="$(find_novysectl)"
        "$tool" "$@"
    fi
}
