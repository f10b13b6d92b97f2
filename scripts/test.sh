#!/usr/bin/env bash
# The whole test suite: unit tests, the store conformance suite, HTTP API tests, and integration tests
# that run the real `gantry` binary and drive it with kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
