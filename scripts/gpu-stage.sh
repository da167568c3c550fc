#!/usr/bin/env bash
# Stages what `npm run gpu:check` needs on the GPU machine (which has no Node.js and no network)
# as one compressed stream split into pieces that fit the device tool's 64 MiB per call
# together with the working tree that travels with every call:
#   the node binary, production node_modules (onnxruntime-node 1.29.0), the CUDA 13 provider
#   for it (npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9), the reference
#   fixtures (../shared/fixtures/reference, for the conformance stage) and the compiled tools
#   (.tools-build, `npm run build:tools`).
# Works in a git worktree (where .git is a file): .device-stage/ is in .gitignore.
#
#   bash scripts/gpu-stage.sh            # after `npm ci`, from anywhere in the checkout
# Env: GPU_PROVIDER_TGZ=<path to the provider .tgz> skips its download; SHARED=<dir> (default ../shared);
#      STAGE_TREE_BYTES=<bytes> the size of the tree that travels (default: measured here).
set -euo pipefail
ROOT=$(git rev-parse --show-toplevel); cd "$ROOT"
SHARED=${SHARED:-$ROOT/../shared}
LIMIT=$((64 * 1024 * 1024))
ORT_VERSION=$(node -p "require('./node_modules/onnxruntime-node/package.json').version" 2>/dev/null || echo none)
[ "$ORT_VERSION" = "1.29.0" ] || { echo "onnxruntime-node is $ORT_VERSION; the CUDA 13 provider matches 1.29.0 only (npm ci)." >&2; exit 1; }
git check-ignore -q .device-stage/x || { echo ".device-stage/ must be git-ignored" >&2; exit 1; }
[ -f "$SHARED/fixtures/reference/README.md" ] || { echo "no reference fixtures under $SHARED/fixtures/reference (set SHARED)" >&2; exit 1; }

echo "compiling the tools (npm run build:tools)"
npm run -s build:tools
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
P=$TMP/payload; mkdir -p "$P/cuda" "$P/fixtures"
cp "$(readlink -f "$(command -v node)")" "$P/node"
echo "installing production node_modules ($(node --version))"
( cd "$TMP" && cp "$ROOT/package.json" "$ROOT/package-lock.json" . && { cp "$ROOT/.npmrc" . 2>/dev/null || true; }
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null 2>&1
  rm -rf node_modules/onnxruntime-node/bin/napi-v6/{darwin,win32} node_modules/onnxruntime-node/bin/napi-v6/linux/arm64
  mv node_modules "$P/node_modules" )
echo "the CUDA 13 provider"
TGZ=${GPU_PROVIDER_TGZ:-}
if [ -z "$TGZ" ]; then ( cd "$TMP" && npm pack com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null 2>&1 ); TGZ=$TMP/com.github.asus4.onnxruntime.linux-x64-gpu-0.4.9.tgz; fi
mkdir -p "$TMP/gpu" && tar xzf "$TGZ" -C "$TMP/gpu"
cp "$TMP"/gpu/package/Plugins/Linux/x64/libonnxruntime_providers_{cuda,shared}.so "$P/cuda/"
cp -r "$SHARED/fixtures/reference" "$P/fixtures/reference"
cp -r .tools-build "$P/tools-build"
echo "compressing"
tar cf - -C "$P" . | xz -T2 -6 > "$TMP/payload.tar.xz"

# What travels with every call besides the chunk: tracked and untracked-not-ignored files.
TREE=${STAGE_TREE_BYTES:-$(git ls-files -z -co --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')}
CHUNK=$(( LIMIT - TREE - 2 * 1024 * 1024 ))
[ "$CHUNK" -gt 1048576 ] || { echo "the working tree ($TREE bytes) leaves no room under 64 MiB for a chunk" >&2; exit 1; }
rm -rf .device-stage; mkdir -p .device-stage
split -b "$CHUNK" -a 3 -d "$TMP/payload.tar.xz" "$TMP/part"
n=0; for f in "$TMP"/part*; do n=$((n + 1)); mkdir -p ".device-stage/c$n"; mv "$f" ".device-stage/c$n/"; done
echo "payload $(stat -c %s "$TMP/payload.tar.xz") bytes; tree $TREE bytes; $n chunk(s) of at most $CHUNK bytes"
echo
echo "Send these $n calls to the GPU machine back to back (it goes back after 30 s idle):"
for i in $(seq 1 $((n - 1))); do echo "  carry [\".device-stage/c$i\"]  command: mkdir -p /root/stage/parts && cp .device-stage/c$i/* /root/stage/parts/"; done
echo "  carry [\".device-stage/c$n\"]  command: mkdir -p /root/stage/parts && cp .device-stage/c$n/* /root/stage/parts/ && bash scripts/gpu-device-setup.sh && . /root/stage/env.sh && node .tools-build/scripts/gpu-check.js --out \$OUT"
