#!/usr/bin/env bash
# Installs the system packages Gantry builds and tests with (Debian 12). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
pkgs=(libsqlite3-dev sqlite3 curl ca-certificates
  # node agent: containers, images, networking
  runc containernetworking-plugins iproute2 iptables libarchive-dev
  # test fixtures: a local OCI registry, image building, a busybox rootfs
  docker-registry skopeo umoci busybox-static zstd apache2-utils python3
  # benchmarks: HTTP load through the service proxy
  wrk
  # PKI tests check certificates with an independent implementation
  openssl
  # the official Python client (kubernetes-client/python), which the security tests drive
  python3-kubernetes
  # the etcd store backend and managed etcd (`--cluster-init`), and `etcdctl` for checking them
  etcd-server etcd-client
  # a real Prometheus, which the observability tests run against the cluster's metrics
  prometheus)
# headless Chromium and its WebDriver, which the dashboard's test drives (only for the tests: `--tests`)
if [ "${1:-}" = "--tests" ]; then pkgs+=(chromium chromium-driver); fi
# kubectl drives the integration tests; Debian's kubernetes-client is the fallback when no kubectl is installed.
if ! command -v kubectl >/dev/null 2>&1; then pkgs+=(kubernetes-client); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  echo "note: add /opt/swift/usr/bin to PATH" >&2
fi
