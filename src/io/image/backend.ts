/**
 * Backend selection: sharp when its native library loads, else jimp (pure JS). The outcome and the
 * reason are kept for `reprise doctor` ({@link probeImageBackends}).
 */
import { RepriseError } from '../../errors.js';
import type { ImageBackend, ImageBackendName } from './types.js';

/** Whether a backend could be loaded. */
export type BackendAvailability =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly error: string };

/** What {@link probeImageBackends} reports. */
export interface ImageBackendReport {
  /** The backend {@link getImageBackend} returns without a preference (undefined: none loads). */
  readonly selected: ImageBackendName | undefined;
  /** Why it was selected, in one sentence. */
  readonly reason: string;
  readonly sharp: BackendAvailability;
  readonly jimp: BackendAvailability;
}

/** A loaded backend and its version string. */
export interface LoadedBackend {
  readonly backend: ImageBackend;
  readonly version: string;
}

/** How to load each backend (injectable for tests and embedders). */
export interface BackendLoaders {
  readonly sharp: () => Promise<LoadedBackend>;
  readonly jimp: () => Promise<LoadedBackend>;
}

/** The real loaders: dynamic imports, so a broken sharp install never breaks importing Reprise. */
export const defaultBackendLoaders: BackendLoaders = {
  sharp: async () => {
    const mod = await import('./sharp-backend.js');
    return { backend: mod.createSharpBackend(), version: mod.sharpVersion() };
  },
  jimp: async () => {
    const mod = await import('./jimp-backend.js');
    return { backend: mod.createJimpBackend(), version: 'jimp (pure JavaScript)' };
  },
};

type Attempt = { readonly ok: true; readonly loaded: LoadedBackend } | { readonly ok: false; readonly error: string };

async function attempt(load: () => Promise<LoadedBackend>): Promise<Attempt> {
  try {
    return { ok: true, loaded: await load() };
  } catch (cause) {
    return { ok: false, error: cause instanceof Error ? cause.message.split('\n')[0] ?? cause.message : String(cause) };
  }
}

function availability(a: Attempt): BackendAvailability {
  return a.ok ? { available: true, version: a.loaded.version } : { available: false, error: a.error };
}

/** The outcome of a selection: the backend, why it was chosen, and every load attempted. */
export interface BackendSelection {
  readonly backend: ImageBackend;
  readonly selected: ImageBackendName;
  readonly reason: string;
  readonly attempts: Readonly<Partial<Record<ImageBackendName, BackendAvailability>>>;
}

/**
 * Selects a backend with the given loaders: only `preferred` when named (`RUNTIME_FAILURE` when it
 * cannot load), otherwise sharp, falling back to jimp when sharp cannot load.
 */
export async function selectImageBackend(loaders: BackendLoaders, preferred?: ImageBackendName): Promise<BackendSelection> {
  const order: readonly ImageBackendName[] = preferred ? [preferred] : ['sharp', 'jimp'];
  const attempts: Partial<Record<ImageBackendName, BackendAvailability>> = {};
  for (const name of order) {
    const a = await attempt(loaders[name]);
    attempts[name] = availability(a);
    if (!a.ok) continue;
    const sharpError = attempts.sharp?.available === false ? attempts.sharp.error : undefined;
    const reason = preferred
      ? `${name} was requested`
      : name === 'sharp'
        ? 'sharp (libvips) loaded'
        : `sharp cannot load (${sharpError ?? 'unknown error'}); using the pure-JS fallback`;
    return { backend: a.loaded.backend, selected: name, reason, attempts };
  }
  const failures = Object.entries(attempts)
    .map(([name, r]) => `${name}: ${r.available ? 'loaded' : r.error}`)
    .join('; ');
  throw new RepriseError('RUNTIME_FAILURE', `No usable image backend (${failures})`, {
    hint: preferred === 'sharp'
      ? 'Reinstall sharp for this platform (npm install sharp), or use the pure-JS backend (jimp).'
      : 'Reinstall the dependencies (npm install); sharp needs a prebuilt binary for this platform.',
  });
}

const cache = new Map<ImageBackendName | 'auto', Promise<BackendSelection>>();

/**
 * The selection {@link getImageBackend} uses, with the reason (for `--json` output and logs).
 * Loaded once per process; a failed load is retried on the next call.
 */
export function getImageBackendSelection(preferred?: ImageBackendName): Promise<BackendSelection> {
  const key = preferred ?? 'auto';
  let p = cache.get(key);
  if (!p) {
    p = selectImageBackend(defaultBackendLoaders, preferred);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/**
 * The image backend: `preferred` when given (throws `RUNTIME_FAILURE` when it cannot load), else sharp
 * when it loads, else jimp.
 */
export async function getImageBackend(preferred?: ImageBackendName): Promise<ImageBackend> {
  return (await getImageBackendSelection(preferred)).backend;
}

/**
 * Which backends load, which one is used by default and why (for `reprise doctor`). Tries both;
 * never throws (`selected` is undefined when neither loads).
 */
export async function probeImageBackends(loaders: BackendLoaders = defaultBackendLoaders): Promise<ImageBackendReport> {
  const [sharp, jimp] = await Promise.all([attempt(loaders.sharp), attempt(loaders.jimp)]);
  const report = { sharp: availability(sharp), jimp: availability(jimp) };
  if (sharp.ok) return { selected: 'sharp', reason: 'sharp (libvips) loaded', ...report };
  if (jimp.ok) return { selected: 'jimp', reason: `sharp cannot load (${sharp.error}); using the pure-JS fallback`, ...report };
  return {
    selected: undefined,
    reason: 'neither sharp nor jimp can load; reinstall the dependencies (npm install) — sharp needs a prebuilt binary for this platform',
    ...report,
  };
}
