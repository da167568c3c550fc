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

/** A device with, for CUDA, the GPU index (`cuda:1` → { device: 'cuda', deviceId: 1 }). */
export interface DeviceSpec {
  readonly device: Device;
  /** CUDA GPU index as onnxruntime numbers them (after CUDA_VISIBLE_DEVICES); absent = 0. */
  readonly deviceId?: number;
}

/** The forms a device is written in. */
export const DEVICE_FORMS = 'cpu, cuda, or cuda:N (N = GPU index 0, 1, ...)';

/**
 * Parses `cpu`, `cuda` or `cuda:N` (syntax only; availability is {@link resolveDeviceSpec}'s job).
 * The GPU index is a plain decimal integer 0..1023, no sign or spaces; anything else is RUNTIME_DEVICE.
 */
export function parseDevice(spec: unknown): DeviceSpec {
  if (typeof spec === 'string') {
    if ((DEVICES as readonly string[]).includes(spec)) return { device: spec as Device };
    const m = /^cuda:(0|[1-9][0-9]{0,3})$/.exec(spec);
    if (m && Number(m[1]) <= 1023) return { device: 'cuda', deviceId: Number(m[1]) };
  }
  const cudaLike = typeof spec === 'string' && /^cuda:/.test(spec);
  throw new RepriseError('RUNTIME_DEVICE', cudaLike ? `Bad CUDA device ${JSON.stringify(spec)}: the GPU index must be a whole number 0..1023` : `Unknown device ${JSON.stringify(spec)}`, {
    hint: `Use ${DEVICE_FORMS}; \`nvidia-smi -L\` lists the GPU indices.`,
  });
}

/** Parses a device (`cpu`, `cuda`, `cuda:N`) and checks it is usable here. */
export function resolveDeviceSpec(spec: unknown): DeviceSpec {
  const parsed = parseDevice(spec);
  resolveDevice(parsed.device);
  return parsed;
}

/** The `--device` text of a spec (`cuda:1`, `cpu`); the inverse of {@link parseDevice}. */
export function formatDevice(spec: DeviceSpec): string {
  return spec.deviceId !== undefined ? `${spec.device}:${spec.deviceId}` : spec.device;
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
