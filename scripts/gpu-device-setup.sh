#!/usr/bin/env bash
# Runs on the GPU machine, in the repo's root, once every chunk of scripts/gpu-stage.sh is in
# /root/stage/parts: unpacks node, node_modules (linked into the repo), the CUDA provider (next to
# onnxruntime-node's binding), the fixtures and the compiled tools (.tools-build), and writes
# /root/stage/env.sh (PATH to node, LD_LIBRARY_PATH to CUDA 13 and cuDNN 9, REPRISE_FIXTURES).
set -euo pipefail
S=/root/stage
if [ -d "$S/parts" ]; then
  cat $(ls "$S"/parts/part* | sort) | xz -dc | tar xf - -C "$S"
  rm -rf "$S/parts"
fi
chmod +x "$S/node"
BIN=$S/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
cp "$S"/cuda/libonnxruntime_providers_{cuda,shared}.so "$BIN/"
CUDNN=$(python3 -c 'import nvidia.cudnn, os; print(os.path.join(list(nvidia.cudnn.__path__)[0], "lib"))' 2>/dev/null || true)
cat > "$S/env.sh" <<ENV
export PATH=$S:\$PATH
export LD_LIBRARY_PATH=/usr/local/cuda-13.0/lib64:/lib/x86_64-linux-gnu${CUDNN:+:$CUDNN}:\${LD_LIBRARY_PATH:-}
export REPRISE_FIXTURES=$S/fixtures/reference
ENV
[ -e node_modules ] || ln -s "$S/node_modules" node_modules
rm -rf .tools-build && cp -r "$S/tools-build" .tools-build
. "$S/env.sh"
node -e "console.log('node', process.version, 'onnxruntime-node', require('onnxruntime-node/package.json').version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
