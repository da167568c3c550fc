/**
 * Installs onnxruntime's CUDA execution provider next to the onnxruntime-node binding:
 * - CUDA 13: from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (built for
 *   onnxruntime 1.29.0), fetched with `npm pack` from the npm registry;
 * - CUDA 12: onnxruntime-node's own installer (`--onnxruntime-node-install=cuda12`), which
 *   downloads from onnxruntime's release storage (needs that network access).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commitTemporarySync, temporaryPathFor } from '../util/atomic-write.js';
import { createRequire } from 'node:module';
import { RepriseError } from '../errors.js';
import { ortBindingDir } from './device.js';

export const CUDA13_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9';
const LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** Copies the provider libraries from an unpacked CUDA 13 package folder into `bindingDir`. */
export function installFromPackageDir(packageDir: string, bindingDir: string = ortBindingDir()): string[] {
  const src = path.join(packageDir, 'Plugins', 'Linux', 'x64');
  const copied: string[] = [];
  for (const lib of LIBS) {
    const from = path.join(src, lib);
    if (!fs.existsSync(from)) {
      throw new RepriseError('RUNTIME_DEVICE', `${from} is missing from the CUDA provider package`, { hint: `Check that ${CUDA13_PACKAGE} unpacked completely.` });
    }
    const to = path.join(bindingDir, lib);
    const tmp = temporaryPathFor(to);
    fs.copyFileSync(from, tmp);
    commitTemporarySync(tmp, to);
    copied.push(to);
  }
  return copied;
}

/** Installs the provider for CUDA 13 or 12; returns the files written. */
export function installCudaProvider(cuda: 12 | 13): string[] {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new RepriseError('RUNTIME_DEVICE', `the CUDA provider installer supports linux/x64, not ${process.platform}/${process.arch}`, { hint: 'Use the CPU device on this machine.' });
  }
  if (cuda === 12) {
    const require = createRequire(import.meta.url);
    const script = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install.js');
    execFileSync(process.execPath, [script, '--onnxruntime-node-install=cuda12'], { stdio: 'inherit' });
    return [path.join(ortBindingDir(), LIBS[0] as string)];
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-cuda-'));
  try {
    execFileSync('npm', ['pack', CUDA13_PACKAGE, '--silent'], { cwd: tmp, stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new RepriseError('RUNTIME_DEVICE', `npm pack ${CUDA13_PACKAGE} produced no tarball`, { hint: 'Check access to the npm registry.' });
    execFileSync('tar', ['xzf', tgz], { cwd: tmp });
    return installFromPackageDir(path.join(tmp, 'package'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
