/**
 * Execution devices: which exist, which are usable here, and why not. onnxruntime-node ships
 * the CPU provider; the CUDA provider is a separate shared library placed next to the binding.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { RepriseError } from '../errors.js';

/** Devices Reprise can run on. */
export const DEVICES = ['cpu', 'cuda'] as const;
/** An execution device. */
export type Device = (typeof DEVICES)[number];

/** Whether a device can be used here, and what to do if not. */
export interface DeviceStatus {
  readonly device: Device;
  readonly available: boolean;
  /** Why it is not available, and how to fix it. */
  readonly reason?: string;
}

/** The folder holding onnxruntime-node's native binding for this platform. */
export function ortBindingDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

/** The CUDA provider library onnxruntime-node loads for `executionProviders: ['cuda']`. */
export function cudaProviderPath(): string {
  return path.join(ortBindingDir(), process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
}

/** How to install the CUDA provider (followed by the binding folder). */
export const CUDA_INSTALL_HINT =
  'Install onnxruntime\'s CUDA provider with `reprise install-cuda-provider` (CUDA 13: copies ' +
  'libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so from the npm package ' +
  'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9, built for onnxruntime 1.29.0) or ' +
  '`reprise install-cuda-provider --cuda 12` (onnxruntime-node\'s own installer) into ';

/** Status of every device on this machine. */
export function deviceStatus(): DeviceStatus[] {
  const cuda = cudaProviderPath();
  const cudaOk = process.platform === 'linux' || process.platform === 'win32' ? fs.existsSync(cuda) : false;
  return [
    { device: 'cpu', available: true },
    cudaOk
      ? { device: 'cuda', available: true }
      : {
          device: 'cuda',
          available: false,
          reason:
            process.platform === 'linux' || process.platform === 'win32'
              ? `the CUDA provider library is missing (${cuda}). ${CUDA_INSTALL_HINT}${path.dirname(cuda)}, and make CUDA and cuDNN 9 libraries visible through LD_LIBRARY_PATH.`
              : `onnxruntime-node has no CUDA provider on ${process.platform}`,
        },
  ];
}

/** Validates a device name and its availability; the error lists what is available and how to fix it. */
export function resolveDevice(device: unknown): Device {
  const status = deviceStatus();
  const list = status.map((s) => `${s.device}${s.available ? ' (available)' : ' (not available)'}`).join(', ');
  if (typeof device !== 'string' || !(DEVICES as readonly string[]).includes(device)) {
    throw new RepriseError('RUNTIME_DEVICE', `Unknown device ${JSON.stringify(device)}. Devices: ${list}`, {
      hint: `Use one of: ${DEVICES.join(', ')}.`,
    });
  }
  const s = status.find((x) => x.device === device);
  if (!s?.available) {
    throw new RepriseError('RUNTIME_DEVICE', `Device "${device}" is not available: ${s?.reason ?? 'unknown reason'}`, {
      hint: `Available here: ${status.filter((x) => x.available).map((x) => x.device).join(', ')}. Run \`reprise doctor\` for details.`,
    });
  }
  return device as Device;
}
