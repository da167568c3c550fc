import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { doctorCommand } from '../../src/cli/doctor.js';
import { installFromPackageDir } from '../../src/runtime/cuda-install.js';
import { findLibrary, providerDependencies, runDoctor } from '../../src/runtime/doctor.js';
import { tempDir } from '../helpers.js';

describe('doctor', () => {
  it('reads the CUDA libraries a provider library needs from its bytes', () => {
    const dir = tempDir();
    const f = path.join(dir, 'libonnxruntime_providers_cuda.so');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('\x7fELF....libcublas.so.13\0libcudnn.so.9\0libcudart.so.13\0libcublas.so.13\0'), Buffer.alloc(1000)]));
    expect(providerDependencies(f)).toEqual(['libcublas.so.13', 'libcudart.so.13', 'libcudnn.so.9']);
  });

  it('finds libraries in the search folders or the loader cache', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'libcudnn.so.9'), '');
    const search = { dirs: [dir], cached: new Set(['libcublas.so.13']) };
    expect(findLibrary('libcudnn.so.9', search)).toBe(path.join(dir, 'libcudnn.so.9'));
    expect(findLibrary('libcublas.so.13', search)).toBe('ldconfig cache');
    expect(findLibrary('libcudart.so.12', search)).toBeUndefined();
  });

  it('reports a missing provider with the install step, and CUDA pieces as needed for cuda only', async () => {
    const dir = tempDir();
    const checks = await runDoctor({ providerPath: path.join(dir, 'libonnxruntime_providers_cuda.so') });
    const provider = checks.find((c) => c.name === 'cuda provider library');
    expect(provider?.ok).toBe(false);
    expect(provider?.requiredFor).toBe('cuda');
    expect(provider?.fix).toMatch(/reprise install-cuda-provider[\s\S]*com\.github\.asus4\.onnxruntime\.linux-x64-gpu@0\.4\.9/);
    expect(checks.find((c) => c.name === 'onnxruntime-node')).toMatchObject({ ok: true, detail: expect.stringMatching(/^1\.29\.0/) });
    expect(checks.find((c) => c.name === 'sharp')?.ok).toBe(true);
    expect(checks.filter((c) => c.name.startsWith('libcudnn')).length).toBe(1);
  });

  it('exit code follows the device: cpu ready here; cuda ready only where its pieces are present', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      expect(await doctorCommand(['--json'])).toBe(0);
      const cudaCode = await doctorCommand(['--json', '--device', 'cuda']);
      const report = JSON.parse(out[1] as string) as { ok: boolean; checks: { ok: boolean }[] };
      expect(cudaCode).toBe(report.ok ? 0 : 1);
      expect(report.ok).toBe(report.checks.every((c) => c.ok));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('CUDA provider installer', () => {
  it('copies both provider libraries from the unpacked npm package into the binding folder', () => {
    const pkg = tempDir();
    const binding = tempDir();
    const src = path.join(pkg, 'Plugins', 'Linux', 'x64');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'libonnxruntime_providers_cuda.so'), 'cuda');
    fs.writeFileSync(path.join(src, 'libonnxruntime_providers_shared.so'), 'shared');
    const files = installFromPackageDir(pkg, binding);
    expect(files.map((f) => path.basename(f))).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
    expect(fs.readFileSync(path.join(binding, 'libonnxruntime_providers_cuda.so'), 'utf8')).toBe('cuda');
    expect(fs.readdirSync(binding).sort()).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
  });

  it('a package without the libraries is a clear error', () => {
    expect(() => installFromPackageDir(tempDir(), tempDir())).toThrow(/libonnxruntime_providers_cuda\.so is missing/);
  });
});
