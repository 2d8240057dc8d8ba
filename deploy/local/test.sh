#!/usr/bin/env bash
# Quick start, step 2: run every test. The tests start their own PostgreSQL and Redis (temporary data
# directories, 127.0.0.1, free ports) and give each test its own database.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/local/install-deps.sh
swift build --build-tests
exec swift test --skip-build "$@"
