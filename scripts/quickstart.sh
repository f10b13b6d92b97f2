#!/usr/bin/env bash
# Starts a single-node Gantry control plane on the embedded SQLite store and deploys the demo app.
#   ./scripts/quickstart.sh            # build, start on 127.0.0.1:6443, apply examples/demo.yaml
# Stop it with: kill $(cat .gantry/server.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh
swift build -c release --product gantry
BIN="$(swift build -c release --show-bin-path)/gantry"
mkdir -p .gantry
LISTEN="${GANTRY_LISTEN:-127.0.0.1:6443}"
if [ -f .gantry/server.pid ] && kill -0 "$(cat .gantry/server.pid)" 2>/dev/null; then
  echo "gantry server already running (pid $(cat .gantry/server.pid))"
else
  nohup "$BIN" server --data-dir .gantry/data --listen "$LISTEN" > .gantry/server.log 2>&1 &
  echo $! > .gantry/server.pid
fi
export GANTRY_SERVER="http://$LISTEN"
for _ in $(seq 1 100); do
  curl -fsS "$GANTRY_SERVER/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$BIN" kubeconfig > .gantry/kubeconfig
"$BIN" apply -f examples/demo.yaml
"$BIN" get deployments,services -n demo 2>/dev/null || true
"$BIN" get deploy -n demo
"$BIN" get svc -n demo
cat <<MSG

Gantry is serving the Kubernetes API at $GANTRY_SERVER (log: .gantry/server.log).
  export KUBECONFIG=$PWD/.gantry/kubeconfig
  kubectl get all -n demo
  $BIN get pods -n demo
Stop it with: kill \$(cat .gantry/server.pid)
MSG
