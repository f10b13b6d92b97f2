#!/usr/bin/env bash
# The whole test suite: unit tests, the store conformance suite, HTTP API tests, and integration tests
# that run the real `gantry` binary and drive it with kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh --tests
swift build --build-tests
# Serially: the integration suites change host state that others read (iptables NAT chains, bridges,
# network namespaces, overlay mounts, cgroups); run together they can trip over each other.
# A crash report short enough that the failing thread and its message stay in view at the end of a CI log.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=yes,threads=crashed,registers=none,images=none,limit=48,top=16}"
swift test --skip-build --no-parallel
