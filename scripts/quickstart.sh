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
BIN="$(swift build -c "$CONFIG" --show-bin-path)/gantry"
mkdir -p .gantry
LISTEN="${GANTRY_LISTEN:-127.0.0.1:6443}"
export GANTRY_SERVER="http://$LISTEN"
# (A zombie has an empty cmdline: it does not count as running.)
if [ -f .gantry/dev.pid ] && [ -s "/proc/$(cat .gantry/dev.pid)/cmdline" ]; then
  echo "gantry dev already running (pid $(cat .gantry/dev.pid))"
else
  nohup "$BIN" dev --data-dir "$PWD/.gantry/state" --listen "$LISTEN" --node-name "$(hostname | tr 'A-Z' 'a-z')" \
    > .gantry/dev.log 2>&1 &
  echo $! > .gantry/dev.pid
fi
for _ in $(seq 1 100); do
  curl -fsS "$GANTRY_SERVER/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
# The demo image, built locally (no registry needed) and imported into the node's store.
[ -f .gantry/busybox.tar ] || ./scripts/build-demo-image.sh .gantry/busybox.tar >/dev/null
"$BIN" image import --data-dir "$PWD/.gantry/state/agent" .gantry/busybox.tar
"$BIN" kubeconfig > .gantry/kubeconfig
"$BIN" apply -f examples/demo.yaml
for _ in $(seq 1 100); do
  ip="$("$BIN" get pod web -n demo -o json | sed -n 's/.*"podIP" : "\([0-9.]*\)".*/\1/p' | head -1)"
  ready="$("$BIN" get pod web -n demo | awk 'NR==2 {print $2}')"
  [ -n "$ip" ] && [ "$ready" = "1/1" ] && break
  sleep 0.3
done
"$BIN" get pods -n demo -o wide
echo
echo "curl http://$ip:8080/  ->  $(curl -s "http://$ip:8080/")"
cat <<MSG

Gantry is running (log: .gantry/dev.log). Try:
  export KUBECONFIG=$PWD/.gantry/kubeconfig
  kubectl get pods -n demo -o wide
  kubectl logs web -n demo
  kubectl exec -n demo web -- cat /www/index.html
Stop it with: kill \$(cat .gantry/dev.pid)
MSG
