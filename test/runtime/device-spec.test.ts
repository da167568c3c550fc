import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFlags } from '../../src/cli/args.js';
import { conformanceCommand } from '../../src/cli/conformance.js';
import { editCommand } from '../../src/cli/edit.js';
import { describeError, exitCodeFor } from '../../src/cli/errors.js';
import { generateCommand } from '../../src/cli/generate.js';
import { invertCommand } from '../../src/cli/invert.js';
import { workerCommand } from '../../src/cli/worker.js';
import { capture } from '../cli/cli-helpers.js';
import { doctorCommand } from '../../src/cli/doctor.js';
import { RepriseError } from '../../src/errors.js';
import { deviceStatus, formatDevice, parseDevice, resolveDeviceSpec } from '../../src/runtime/device.js';
import { sessionOptionsFor } from '../../src/runtime/session.js';

function deviceError(f: () => unknown): RepriseError {
  try {
    f();
  } catch (e) {
    if (e instanceof RepriseError) return e;
    throw e;
  }
  throw new Error('expected a RepriseError');
}

const cudaHere = deviceStatus().find((s) => s.device === 'cuda')?.available === true;
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-device-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('parseDevice', () => {
  it('cpu and cuda carry no index; cuda:N carries N', () => {
    expect(parseDevice('cpu')).toEqual({ device: 'cpu' });
    expect(parseDevice('cuda')).toEqual({ device: 'cuda' });
    expect(parseDevice('cuda:0')).toEqual({ device: 'cuda', deviceId: 0 });
    expect(parseDevice('cuda:1')).toEqual({ device: 'cuda', deviceId: 1 });
    expect(parseDevice('cuda:15')).toEqual({ device: 'cuda', deviceId: 15 });
    expect(parseDevice('cuda:1023')).toEqual({ device: 'cuda', deviceId: 1023 });
  });

  it('formatDevice is its inverse', () => {
    for (const s of ['cpu', 'cuda', 'cuda:0', 'cuda:7']) expect(formatDevice(parseDevice(s))).toBe(s);
  });

  it('bad forms are RUNTIME_DEVICE errors that name the forms', () => {
    for (const bad of ['cuda:-1', 'cuda:x', 'cuda:', 'cuda:01', 'cuda:1.5', 'cuda: 1', 'cuda:1 ', 'cuda:1024', 'cuda:99999', 'cuda:1e2', 'cuda:0x1']) {
      const e = deviceError(() => parseDevice(bad));
      expect(e.code, bad).toBe('RUNTIME_DEVICE');
      expect(e.message, bad).toContain('Bad CUDA device');
      expect(e.hint, bad).toContain('cuda:N');
    }
    for (const bad of ['gpu', 'GPU', 'CUDA', 'cpu:0', 'cuda1', '', 'mps']) {
      const e = deviceError(() => parseDevice(bad));
      expect(e.code, bad).toBe('RUNTIME_DEVICE');
      expect(e.message, bad).toContain('Unknown device');
    }
    for (const bad of [undefined, 1, null, {}]) expect(deviceError(() => parseDevice(bad)).code).toBe('RUNTIME_DEVICE');
  });

  it('the parsed index reaches the CUDA provider options', () => {
    const spec = parseDevice('cuda:3');
    const o = sessionOptionsFor(spec.device, spec.deviceId !== undefined ? { deviceId: spec.deviceId } : {});
    expect(o.executionProviders).toEqual([{ name: 'cuda', deviceId: 3 }]);
    const plain = parseDevice('cuda');
    expect(sessionOptionsFor(plain.device, {}).executionProviders).toEqual([{ name: 'cuda', deviceId: 0 }]);
  });
});

describe('--device cuda:N in the model flags', () => {
  it('cpu: no device id in the load options', () => {
    const f = modelFlags({ model: folder, device: 'cpu' }, 'help');
    expect(f.device).toBe('cpu');
    expect(f.deviceId).toBeUndefined();
    expect(f.load).toEqual({ device: 'cpu', dtype: 'fp32' });
  });

  it('cuda:1: the id travels in the load options where CUDA is usable, else the availability error (not a parse error)', () => {
    if (cudaHere) {
      const f = modelFlags({ model: folder, device: 'cuda:1' }, 'help');
      expect(f).toMatchObject({ device: 'cuda', deviceId: 1, load: { device: 'cuda', deviceId: 1, dtype: 'fp16' } });
      expect(resolveDeviceSpec('cuda:2')).toEqual({ device: 'cuda', deviceId: 2 });
    } else {
      const e = deviceError(() => modelFlags({ model: folder, device: 'cuda:1' }, 'help'));
      expect(e.code).toBe('RUNTIME_DEVICE');
      expect(e.message).toContain('Device "cuda" is not available');
      expect(deviceError(() => resolveDeviceSpec('cuda:2')).message).toContain('not available');
    }
  });

  it('bad forms fail before anything else with the parse error', () => {
    for (const bad of ['cuda:-1', 'cuda:x', 'gpu']) {
      const e = deviceError(() => modelFlags({ model: folder, device: bad }, 'help'));
      expect(e.code).toBe('RUNTIME_DEVICE');
      expect(e.message).toMatch(bad === 'gpu' ? /Unknown device "gpu"/ : /Bad CUDA device/);
    }
  });
});

describe('reprise doctor / conformance --device', () => {
  it('exit 2 and the parse error for bad forms', async () => {
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(await doctorCommand(['--device', 'cuda:x'])).toBe(2);
      expect(await doctorCommand(['--device', 'gpu'])).toBe(2);
      expect(await conformanceCommand(['.', '--device', 'cuda:-1'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(chunks.join('')).toMatch(/Bad CUDA device "cuda:x"[\s\S]*Unknown device "gpu"[\s\S]*Bad CUDA device "cuda:-1"/);
  });
});

describe('the model commands', () => {
  it('invert / edit / generate / worker: a bad --device is exit 2 with the parse error', async () => {
    const commands = { invert: invertCommand, edit: editCommand, generate: generateCommand, worker: workerCommand };
    for (const [cmd, dev] of [['invert', 'cuda:x'], ['edit', 'cuda:-1'], ['generate', 'gpu'], ['worker', 'cuda:1.5']] as const) {
      const extra = cmd === 'worker' ? ['--queue', 'redis://127.0.0.1:1/0'] : cmd === 'generate' ? ['--prompt', 'a cat'] : cmd === 'edit' ? [path.join(folder, 'in.png'), '--target', 'a dog'] : [path.join(folder, 'in.png')];
      let code: number;
      let text: string;
      try {
        const r = await capture(() => commands[cmd]([...extra, '--model', folder, '--device', dev]));
        code = r.code;
        text = r.stderr;
      } catch (e) {
        code = exitCodeFor(e);
        text = describeError(e).message;
      }
      expect(code, `${cmd} ${dev}: ${text}`).toBe(2);
      expect(text, cmd).toMatch(dev === 'gpu' ? /Unknown device "gpu"/ : /Bad CUDA device/);
    }
  });
});
