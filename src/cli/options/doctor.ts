/** The tables of `reprise doctor` and `reprise install-cuda-provider`. */
import { defineCommand } from './define.js';

export const DOCTOR_TABLE = defineCommand({
  name: 'doctor',
  summary: 'check the runtime, CUDA provider/libraries, GPU and image backends',
  positionals: [],
  description: `Checks onnxruntime-node, the CUDA provider library, CUDA and cuDNN libraries, the GPU, the
image backends and the graph cache, and says what to do about anything missing.
Exit code 0 when everything the chosen device needs is present, 1 otherwise.`,
  flags: [
    { name: 'device', type: 'string', value: 'cpu|cuda|cuda:N', default: 'cpu', help: 'the device to check for' },
    { name: 'json', type: 'boolean', help: 'print one JSON object' },
  ],
  examples: ['doctor', 'doctor --device cuda --json'],
});

export const INSTALL_CUDA_TABLE = defineCommand({
  name: 'install-cuda-provider',
  summary: "install onnxruntime's CUDA provider (CUDA 13 default, --cuda 12)",
  positionals: [],
  description: `Installs onnxruntime's CUDA execution provider next to onnxruntime-node 1.29.0:
  --cuda 13 (default)  from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
  --cuda 12            with onnxruntime-node's own installer (needs access to its download host)`,
  flags: [{ name: 'cuda', type: 'choice', choices: ['13', '12'], default: '13', help: 'the CUDA major version' }],
  examples: ['install-cuda-provider', 'install-cuda-provider --cuda 12 && reprise doctor --device cuda'],
});
