/** `reprise doctor [--json] [--device cpu|cuda|cuda:N]` and `reprise install-cuda-provider [--cuda 13|12]`. */
import { parseArgs } from 'node:util';
import { installCudaProvider } from '../runtime/cuda-install.js';
import { parseDevice } from '../runtime/device.js';
import { runDoctor } from '../runtime/doctor.js';
import { RepriseError } from '../errors.js';

export const DOCTOR_HELP = `Usage: reprise doctor [--json] [--device cpu|cuda|cuda:N]

Checks onnxruntime-node, the CUDA provider library, CUDA and cuDNN libraries, the GPU, the
image backends and the graph cache, and says what to do about anything missing.
Exit code 0 when everything the chosen device needs (default cpu) is present, 1 otherwise.

Examples:
  reprise doctor
  reprise doctor --device cuda --json`;

export const INSTALL_CUDA_HELP = `Usage: reprise install-cuda-provider [--cuda 13|12]

Installs onnxruntime's CUDA execution provider next to onnxruntime-node 1.29.0:
  --cuda 13 (default)  from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
  --cuda 12            with onnxruntime-node's own installer (needs access to its download host)

Examples:
  reprise install-cuda-provider
  reprise install-cuda-provider --cuda 12 && reprise doctor --device cuda`;

/** Runs `doctor`; returns the exit code. */
export async function doctorCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { json: { type: 'boolean' }, device: { type: 'string', default: 'cpu' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${DOCTOR_HELP}\n`);
    return 0;
  }
  let device: 'cpu' | 'cuda';
  try {
    device = parseDevice(values.device).device;
  } catch (e) {
    if (!(e instanceof RepriseError)) throw e;
    process.stderr.write(`--device: ${e.message}\n`);
    return 2;
  }
  const checks = await runDoctor();
  const needed = checks.filter((c) => c.requiredFor === 'all' || device === 'cuda');
  const ok = needed.every((c) => c.ok);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ok, device: values.device, checks })}\n`);
  } else {
    for (const c of checks) {
      const mark = c.ok ? 'ok  ' : c.requiredFor === 'cuda' && device === 'cpu' ? 'n/a ' : 'MISSING';
      process.stdout.write(`${mark.padEnd(8)}${c.name.padEnd(26)}${c.detail}\n`);
      if (!c.ok && c.fix) process.stdout.write(`${' '.repeat(34)}→ ${c.fix}\n`);
    }
    process.stdout.write(ok ? `\nReady for ${values.device}.\n` : `\nNot ready for ${values.device}: fix the MISSING lines above.\n`);
  }
  return ok ? 0 : 1;
}

/** Runs `install-cuda-provider`; returns the exit code. */
export function installCudaCommand(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { cuda: { type: 'string', default: '13' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${INSTALL_CUDA_HELP}\n`);
    return 0;
  }
  if (values.cuda !== '12' && values.cuda !== '13') {
    process.stderr.write(`--cuda must be 12 or 13, got "${values.cuda}"\n`);
    return 2;
  }
  const files = installCudaProvider(values.cuda === '12' ? 12 : 13);
  process.stdout.write(`Installed:\n${files.map((f) => `  ${f}`).join('\n')}\nRun \`reprise doctor --device cuda\` to check the CUDA and cuDNN libraries.\n`);
  return 0;
}
