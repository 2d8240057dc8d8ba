#!/usr/bin/env bash
# Quick start, step 1: install what is missing, build, and run the whole stack on this machine
# (private PostgreSQL and Redis on 127.0.0.1, the four services), until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/local/install-deps.sh
echo "building (the first build takes several minutes) …"
swift build
exec "$(swift build --show-bin-path)/novysectl" dev "$@"
