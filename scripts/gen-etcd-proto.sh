#!/usr/bin/env bash
# Regenerates Sources/GantryStoreEtcd/Generated from Protos/etcd (the part of etcd's v3 API Gantry uses).
# Needs protoc (apt-get install protobuf-compiler) and protoc-gen-swift from swift-protobuf 1.39:
#   mkdir /tmp/protogen && cd /tmp/protogen && (write a Package.swift depending on swift-protobuf) &&
#   swift build -c release --product protoc-gen-swift
# The output is committed: building the plugin is slow, and the messages change only with etcd's API.
set -euo pipefail
cd "$(dirname "$0")/.."
PLUGIN="${PROTOC_GEN_SWIFT:-/tmp/protogen/.build/release/protoc-gen-swift}"
protoc --plugin=protoc-gen-swift="$PLUGIN" --proto_path=Protos/etcd \
  --swift_out=Sources/GantryStoreEtcd/Generated --swift_opt=Visibility=Internal \
  Protos/etcd/kv.proto Protos/etcd/rpc.proto
