/**
 * Environment checks for `reprise doctor`: what is present (onnxruntime-node, the CUDA provider
 * library, CUDA and cuDNN libraries, a GPU, image backends, the graph cache) and exactly what to
 * do when something is missing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { CUDA_INSTALL_HINT, cudaProviderPath, ortBindingDir } from './device.js';
import { defaultCacheDir } from './graph-cache.js';

/** One line of the doctor report. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was found. */
  readonly detail: string;
  /** What to do when not ok. */
  readonly fix?: string;
  /** Only needed for this device (a missing CUDA piece does not affect CPU use). */
  readonly requiredFor: 'all' | 'cuda';
}

/** Where the environment looks for shared libraries. */
export interface LibrarySearch {
  readonly dirs: readonly string[];
  /** Names known to the dynamic loader cache (ldconfig -p). */
  readonly cached: ReadonlySet<string>;
}

/** Library directories from LD_LIBRARY_PATH, the usual CUDA locations and ldconfig's cache. */
export function librarySearch(env: NodeJS.ProcessEnv = process.env): LibrarySearch {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/local/cuda/lib64',
    '/usr/local/cuda-13.0/lib64',
    '/usr/local/cuda-12/lib64',
    '/usr/lib/x86_64-linux-gnu',
  ];
  const cached = new Set<string>();
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    for (const m of out.matchAll(/^\s*(\S+\.so[.\d]*)\s/gm)) cached.add(m[1] as string);
  } catch {
    // no ldconfig: directories only
  }
  return { dirs, cached };
}

/** Finds a library by exact file name; returns its path or 'ldconfig' or undefined. */
export function findLibrary(name: string, search: LibrarySearch): string | undefined {
  for (const d of search.dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return search.cached.has(name) ? 'ldconfig cache' : undefined;
}

/** The CUDA/cuDNN libraries a provider library was linked against (DT_NEEDED names found in its first MiBs). */
export function providerDependencies(providerPath: string): string[] {
  const fd = fs.openSync(providerPath, 'r');
  try {
    const buf = Buffer.alloc(Math.min(8 << 20, fs.fstatSync(fd).size));
    fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1');
    return [...new Set([...text.matchAll(/lib(?:cudart|cublasLt|cublas|cufft|curand|cudnn)\.so\.\d+/g)].map((m) => m[0]))].sort();
  } finally {
    fs.closeSync(fd);
  }
}

function gpus(): string[] {
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return out.split('\n').filter((l) => l.startsWith('GPU'));
  } catch {
    const dir = '/proc/driver/nvidia/gpus';
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((g) => `GPU at ${g}`) : [];
  }
}

/** Runs every check. */
export async function runDoctor(options: { env?: NodeJS.ProcessEnv; providerPath?: string } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const require = createRequire(import.meta.url);
  const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  checks.push({ name: 'node', ok: Number(process.versions.node.split('.')[0]) >= 20, detail: `${process.version} on ${process.platform}/${process.arch}`, fix: 'Install Node.js 20 or newer.', requiredFor: 'all' });
  checks.push({
    name: 'onnxruntime-node',
    ok: ortVersion === '1.29.0',
    detail: `${ortVersion} (binding in ${ortBindingDir()})`,
    fix: 'Reprise pins onnxruntime-node 1.29.0 (the CUDA 13 provider matches it only): run `npm ci`.',
    requiredFor: 'all',
  });
  const provider = options.providerPath ?? cudaProviderPath();
  const hasProvider = fs.existsSync(provider);
  checks.push({
    name: 'cuda provider library',
    ok: hasProvider,
    detail: hasProvider ? provider : `missing: ${provider}`,
    fix: `${CUDA_INSTALL_HINT}${path.dirname(provider)}.`,
    requiredFor: 'cuda',
  });
  const shared = path.join(path.dirname(provider), 'libonnxruntime_providers_shared.so');
  if (process.platform === 'linux') {
    checks.push({ name: 'provider shared library', ok: fs.existsSync(shared), detail: fs.existsSync(shared) ? shared : `missing: ${shared}`, fix: 'Copy libonnxruntime_providers_shared.so next to the CUDA provider (the installer does).', requiredFor: 'cuda' });
  }
  const search = librarySearch(options.env ?? process.env);
  const needed = hasProvider ? providerDependencies(provider) : ['libcudart.so.13', 'libcublas.so.13', 'libcudnn.so.9'];
  for (const lib of needed) {
    const where = findLibrary(lib, search);
    checks.push({
      name: lib,
      ok: where !== undefined,
      detail: where ?? 'not found in LD_LIBRARY_PATH, /usr/local/cuda*/lib64 or the ldconfig cache',
      fix: lib.startsWith('libcudnn')
        ? 'Install cuDNN 9 for your CUDA version and add its lib folder to LD_LIBRARY_PATH.'
        : `Install the CUDA ${lib.split('.so.')[1] ?? ''} toolkit or runtime libraries and add their lib64 folder to LD_LIBRARY_PATH.`,
      requiredFor: 'cuda',
    });
  }
  const found = gpus();
  checks.push({ name: 'gpu', ok: found.length > 0, detail: found.length > 0 ? found.join('; ') : 'no NVIDIA GPU or driver visible (nvidia-smi)', fix: 'Install the NVIDIA driver; check `nvidia-smi`.', requiredFor: 'cuda' });
  for (const [name, mod] of [['sharp', 'sharp'], ['jimp (fallback)', 'jimp']] as const) {
    let ok = true;
    let detail = 'loads';
    try {
      await import(mod);
    } catch (e) {
      ok = false;
      detail = (e as Error).message.split('\n')[0] ?? 'failed to load';
    }
    checks.push({ name, ok, detail, fix: `Reinstall dependencies (\`npm ci\`); ${name === 'sharp' ? 'without sharp, images go through the slower jimp fallback' : 'jimp is the pure-JS fallback'}.`, requiredFor: 'all' });
  }
  const cache = defaultCacheDir();
  let cacheOk = true;
  try {
    fs.mkdirSync(cache, { recursive: true });
    fs.accessSync(cache, fs.constants.W_OK);
  } catch {
    cacheOk = false;
  }
  checks.push({ name: 'graph cache', ok: cacheOk, detail: cache, fix: 'Set REPRISE_CACHE_DIR to a writable folder.', requiredFor: 'all' });
  return checks;
}
