# shellcheck shell=bash disable=SC2034
# (SC2034: the OPS_* variables are read by the scripts that source this file.)
# Shared by the ops scripts: where novysectl runs, and saying so. Source it; don't run it.
#
# Three targets, chosen by options every script accepts (ops_target_option parses them):
#   local    (default) this machine's novysectl, with DATABASE_URL / REDIS_URL from the environment or
#            --database-url / --redis-url (passed on to novysectl). Reaches any deployment whose Postgres and
#            Redis this machine can reach (a port-forward, a bastion, a managed database).
#   compose  --compose [--compose-service S] [--compose-file F] [--compose-project P]: `docker compose exec`
#            into a container of deploy/docker-compose.yml (project "novyse" unless COMPOSE_PROJECT_NAME or
#            --compose-project says otherwise), which has the stack's DATABASE_URL / REDIS_URL.
#   kubectl  --kubectl-pod POD or --kubectl [--namespace NS] [--context C]: `kubectl exec` into a pod of the
#            deployment (POD may be deploy/NAME: one of its pods), which has the deployment's settings.

OPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPS_TARGET=local
OPS_POD=""
OPS_KUBECTL_ARGS=()
OPS_COMPOSE_SERVICE=""
OPS_COMPOSE_FILE="$OPS_ROOT/deploy/docker-compose.yml"
OPS_COMPOSE_PROJECT="${COMPOSE_PROJECT_NAME:-novyse}"
OPS_SHIFT=0

# Prints to stderr, so that novysectl's own output stays clean on stdout.
ops_say() { echo "ops: $*" >&2; }

# Hides the password of every URL in its arguments: postgres://u:secret@h -> postgres://u:***@h.
ops_redact() { sed -E 's#(://[^:/@[:space:]]*:)[^@[:space:]]*@#\1***@#g' <<<"$*"; }

# Parses one target option at "$1" (with its value at "$2"); sets OPS_SHIFT to the number of words it used,
# 0 when "$1" is not a target option.
ops_target_option() {
    OPS_SHIFT=0
    case "$1" in
        --kubectl-pod) OPS_TARGET=kubectl; OPS_POD="${2:?--kubectl-pod needs a pod name (or deploy/NAME)}"; OPS_SHIFT=2 ;;
        --kubectl) OPS_TARGET=kubectl; OPS_SHIFT=1 ;;
        --namespace|-n) OPS_KUBECTL_ARGS+=(--namespace "${2:?--namespace needs a value}"); OPS_SHIFT=2 ;;
        --context) OPS_KUBECTL_ARGS+=(--context "${2:?--context needs a value}"); OPS_SHIFT=2 ;;
        --compose) OPS_TARGET=compose; OPS_SHIFT=1 ;;
        --compose-service) OPS_TARGET=compose; OPS_COMPOSE_SERVICE="${2:?--compose-service needs a service}"; OPS_SHIFT=2 ;;
        --compose-file) OPS_TARGET=compose; OPS_COMPOSE_FILE="${2:?--compose-file needs a file}"; OPS_SHIFT=2 ;;
        --compose-project) OPS_TARGET=compose; OPS_COMPOSE_PROJECT="${2:?--compose-project needs a name}"; OPS_SHIFT=2 ;;
    esac
}

# Checks the options go together and fills in the defaults: $1 = the Deployment to exec into with --kubectl,
# $2 = the compose service to exec into with --compose.
ops_resolve_target() {
    local default_deployment="$1" default_service="$2"
    if [[ ${#OPS_KUBECTL_ARGS[@]} -gt 0 && "$OPS_TARGET" != kubectl ]]; then
        echo "--namespace / --context only apply with --kubectl or --kubectl-pod" >&2; return 2
    fi
    if [[ "$OPS_TARGET" == kubectl && -z "$OPS_POD" ]]; then OPS_POD="deploy/$default_deployment"; fi
    if [[ "$OPS_TARGET" == compose && -z "$OPS_COMPOSE_SERVICE" ]]; then OPS_COMPOSE_SERVICE="$default_service"; fi
    return 0
}

# `docker compose` (the plugin), else the standalone docker-compose.
ops_compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose -f "$OPS_COMPOSE_FILE" -p "$OPS_COMPOSE_PROJECT" "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        docker-compose -f "$OPS_COMPOSE_FILE" -p "$OPS_COMPOSE_PROJECT" "$@"
    else
        echo "neither 'docker compose' nor docker-compose found" >&2; return 1
    fi
}

# The local novysectl: $NOVYSECTL, else the one on PATH, else the one `swift build` produced for this checkout.
find_novysectl() {
    if [[ -n "${NOVYSECTL:-}" ]]; then echo "$NOVYSECTL"; return; fi
    if command -v novysectl >/dev/null 2>&1; then command -v novysectl; return; fi
    local bin
    if command -v swift >/dev/null 2>&1 && bin="$(cd "$OPS_ROOT" && swift build --show-bin-path 2>/dev/null)" \
        && [[ -x "$bin/novysectl" ]]; then
        echo "$bin/novysectl"; return
    fi
    echo "novysectl not found: put it on PATH, set NOVYSECTL, or build it (swift build --product novysectl)" >&2
    return 1
}

# Runs `novysectl ARGS...` on the chosen target, saying where and how first. With OPS_COMPOSE_RUN=1 the
# compose target starts a one-off container (`docker compose run --rm`) instead of exec'ing into a running one.
ops_novysectl() {
    case "$OPS_TARGET" in
        kubectl)
            command -v kubectl >/dev/null 2>&1 || { echo "kubectl not found" >&2; return 1; }
            ops_say "target: kubectl exec into $OPS_POD${OPS_KUBECTL_ARGS[*]:+ (${OPS_KUBECTL_ARGS[*]})}; novysectl uses the pod's settings"
            ops_say "running: kubectl exec ${OPS_KUBECTL_ARGS[*]:+${OPS_KUBECTL_ARGS[*]} }$OPS_POD -- novysectl $(ops_redact "$*")"
            kubectl exec "${OPS_KUBECTL_ARGS[@]+"${OPS_KUBECTL_ARGS[@]}"}" "$OPS_POD" -- novysectl "$@"
            ;;
        compose)
            local how=(exec -T)
            [[ "${OPS_COMPOSE_RUN:-0}" == 1 ]] && how=(run --rm -T)
            ops_say "target: compose project $OPS_COMPOSE_PROJECT ($OPS_COMPOSE_FILE), service $OPS_COMPOSE_SERVICE; novysectl uses the service's settings"
            ops_say "running: docker compose ${how[*]} $OPS_COMPOSE_SERVICE novysectl $(ops_redact "$*")"
            ops_compose "${how[@]}" "$OPS_COMPOSE_SERVICE" novysectl "$@"
            ;;
        *)
            local tool
            tool="$(find_novysectl)" || return 1
            ops_say "target: this machine ($tool); DATABASE_URL=$(ops_redact "${DATABASE_URL:-<unset>}") REDIS_URL=$(ops_redact "${REDIS_URL:-<unset>}")"
            ops_say "running: novysectl $(ops_redact "$*")"
            "$tool" "$@"
            ;;
    esac
}

# Earlier interface, kept for scripts that call it: run_novysectl POD [--namespace NS] -- ARGS...
# (POD empty = local).
run_novysectl() {
    local pod="$1"; shift
    local kubectl_args=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do kubectl_args+=("$1"); shift; done
    shift  # the --
    OPS_KUBECTL_ARGS=("${kubectl_args[@]+"${kubectl_args[@]}"}")
    if [[ -n "$pod" ]]; then OPS_TARGET=kubectl; OPS_POD="$pod"; else OPS_TARGET=local; fi
    ops_resolve_target novyse-projector projector || return
    ops_novysectl "$@"
}
