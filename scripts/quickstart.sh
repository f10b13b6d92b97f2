#!/usr/bin/env bash
# Starts a single-node Gantry cluster (`gantry dev`: control plane + node agent, embedded SQLite store)
# and runs the demo app in it. Needs root (containers, overlay mounts, CNI).
#   ./scripts/quickstart.sh
# Stop it with: kill $(cat .gantry/dev.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh
CONFIG="${GANTRY_BUILD:-release}"
swift build -c "$CONFIG" --product gantry
swift build -c "$CONFIG" --product runc-shim   # the per-container shim, found next to gantry
BIN="$(swift build -c "$CONFIG" --show-bin-path)/gantry"
mkdir -p .gantry
LISTEN="${GANTRY_LISTEN:-127.0.0.1:6443}"
# The server writes its admin kubeconfig (TLS with its own CA, client certificate system:admin) here once it serves.
export KUBECONFIG="$PWD/.gantry/state/server/admin.kubeconfig"
# (A zombie has an empty cmdline: it does not count as running.)
if [ -f .gantry/dev.pid ] && [ -s "/proc/$(cat .gantry/dev.pid)/cmdline" ]; then
  echo "gantry dev already running (pid $(cat .gantry/dev.pid))"
else
  nohup "$BIN" dev --data-dir "$PWD/.gantry/state" --listen "$LISTEN" --node-name "$(hostname | tr 'A-Z' 'a-z')" \
    > .gantry/dev.log 2>&1 &
  echo $! > .gantry/dev.pid
fi
for _ in $(seq 1 200); do
  [ -s "$KUBECONFIG" ] && curl -fsSk "https://$LISTEN/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
# The demo image, built locally (no registry needed) and imported into the node's store.
[ -f .gantry/busybox.tar ] || ./scripts/build-demo-image.sh .gantry/busybox.tar >/dev/null
"$BIN" image import --data-dir "$PWD/.gantry/state/agent" .gantry/busybox.tar
"$BIN" kubeconfig > .gantry/kubeconfig   # the same admin kubeconfig, at a shorter path
"$BIN" apply -f examples/demo.yaml
for _ in $(seq 1 150); do
  ready="$("$BIN" get endpoints web -n demo -o json 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sum(len(s.get("addresses") or []) for s in d.get("subsets") or []))' 2>/dev/null || echo 0)"
  [ "$ready" -ge 3 ] && break
  sleep 0.3
done
"$BIN" get pods -n demo -o wide
port="$("$BIN" get service web -n demo -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["spec"]["ports"][0]["nodePort"])')"
echo
for _ in 1 2 3 4 5 6; do echo "curl http://127.0.0.1:$port/  ->  $(curl -s "http://127.0.0.1:$port/")"; done
cat <<MSG

Gantry is running (log: .gantry/dev.log). Try:
  export KUBECONFIG=$PWD/.gantry/kubeconfig
  kubectl get pods -n demo -o wide
  kubectl get endpoints web -n demo
  curl http://127.0.0.1:$port/
  kubectl scale deployment web -n demo --replicas=5
Stop it with: kill \$(cat .gantry/dev.pid)
MSG
