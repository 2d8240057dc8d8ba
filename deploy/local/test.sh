#!/usr/bin/env bash
# Quick start, step 2: run every test. The tests start their own PostgreSQL and Redis (temporary data
# directories, 127.0.0.1, reserved ports) and give each test its own database and Redis.
#
#   deploy/local/test.sh                  build, then run the whole suite once
#   deploy/local/test.sh --under-load     the same with every core saturated (stress-ng --cpu N)
#   deploy/local/test.sh --loop 20        run the fault-injection suites 20 times in a row
#   deploy/local/test.sh --loop 20 --under-load
# Anything else is passed to `swift test` (for example `--filter OutboxRelayTests`).
# Ends with one line: "tests: N passed, N failed" (per run in loop mode, then the total). A whole run then
# runs deploy/local/schemathesis.sh (both HTTP services against their OpenAPI descriptions).
set -euo pipefail
cd "$(dirname "$0")/../.."

under_load=0
loops=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --under-load) under_load=1 ;;
    --loop) loops="${2:?--loop takes a number of rounds}"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

# The suites that kill, stop and flush servers mid-test: the ones a busy machine would break first.
fault_suites='SendOrderingTests|ClientConvergenceTests|SessionLimitsTests|FanoutSessionCapsTests|FanoutSocketLimitsTests|OutboxRelayTests|WakeupTests|FanoutWakeupEndToEndTests|PollingProtocolTests|WebSocketProtocolTests|FCMClientTests|ProjectorWorkerTests|RedisRecoveryTests|FanoutRedisLossTests|FanoutDeletedContentTests|PublishingTests|ProjectorConvergenceTests'

deploy/local/install-deps.sh
swift build --build-tests

stress_pid=""
stop_stress() { [ -n "$stress_pid" ] && kill "$stress_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap stop_stress EXIT
if [ "$under_load" = 1 ]; then
  if ! command -v stress-ng >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
  fi
  stress-ng --cpu "$(nproc)" --timeout 4h --quiet &
  stress_pid=$!
  echo "test.sh: stress-ng saturating $(nproc) cores (pid $stress_pid)"
fi

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/novyse-test-XXXXXX")

# How many tests (Swift Testing's per-test lines, not its closing "Test run with …" line) passed or failed.
count_tests() {
  grep -E "Test .* $1 after" "$2" | grep -vc 'Test run with' || true
}

# Runs `swift test` once, keeps its output in a log, prints the failures and one summary line.
run_suite() {
  local log="$1"; shift
  local status=0
  swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
  local passed failed
  passed=$(count_tests passed "$log")
  failed=$(count_tests failed "$log")
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ "$failed" -gt 0 ]; then
    echo "test.sh: failures (full log: $log):"
    grep -E 'Test .* failed after|recorded an issue' "$log" | grep -v 'Test run with' | head -40 || true
  fi
  echo "tests: $passed passed, $failed failed"
  return "$status"
}

if [ "$loops" -gt 0 ]; then
  failures=0
  total_passed=0
  total_failed=0
  for round in $(seq 1 "$loops"); do
    echo "test.sh: fault-injection round $round of $loops"
    if ! run_suite "$log_dir/round-$round.log" --filter "$fault_suites" ${args[@]+"${args[@]}"} > "$log_dir/round-$round.out"; then
      failures=$((failures + 1))
    fi
    grep -E 'Test .* failed after|recorded an issue|^tests:' "$log_dir/round-$round.out" | grep -v 'Test run with' | head -20 || true
    total_passed=$((total_passed + $(count_tests passed "$log_dir/round-$round.log")))
    total_failed=$((total_failed + $(count_tests failed "$log_dir/round-$round.log")))
  done
  echo "test.sh: $loops rounds, $failures of them with a failure (logs in $log_dir)"
  echo "tests: $total_passed passed, $total_failed failed"
  [ "$failures" -eq 0 ]
else
  status=0
  run_suite "$log_dir/suite.log" ${args[@]+"${args[@]}"} || status=$?
  # The whole run (no --filter) also holds both HTTP services against their OpenAPI descriptions.
  if [ ${#args[@]} -eq 0 ]; then
    if deploy/local/schemathesis.sh > "$log_dir/schemathesis.log" 2>&1; then
      echo "test.sh: schemathesis: both services match their OpenAPI descriptions"
    else
      echo "test.sh: schemathesis failed (full log: $log_dir/schemathesis.log):"
      grep -E '^_{5,} |^- ST|^    `\{|schemathesis.sh:' "$log_dir/schemathesis.log" | head -40 || true
      status=1
    fi
  fi
  exit "$status"
fi
