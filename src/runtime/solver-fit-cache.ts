/**
 * The solver-fit cache: data a solver fits once per model and reuses (DC-Solver's compensation
 * ratios and their cascade regression; DPM-Solver-v3's statistics), one JSON file per fit under
 * `$REPRISE_CACHE_DIR/solver-fits` (else `~/.cache/reprise/solver-fits`, beside content-ids/),
 * named by the fit kind and a hash of its key (model id, steps, guidance…). Written with the
 * project's atomic writer, so a reader sees a whole fit or none.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RepriseError } from '../errors.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { canonicalJson } from '../util/canonical-json.js';

/** Version of the file layout. */
export const SOLVER_FIT_FORMAT = 1;

/** One stored fit. */
export interface StoredSolverFit<D = unknown> {
  readonly format: number;
  /** The fit kind (`dc`, `dc-cpr`, `v3`…). */
  readonly kind: string;
  /** What the fit is for (model id, steps, guidance…): the file name is a hash of it. */
  readonly key: Readonly<Record<string, unknown>>;
  readonly data: D;
  readonly created: string;
}

/** The default folder of solver fits. */
export function solverFitDir(): string {
  const base = process.env.REPRISE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'reprise');
  return path.join(base, 'solver-fits');
}

/** The file of one fit: `<dir>/<kind>-<hash of the canonical key>.json`. */
export function solverFitFile(kind: string, key: Readonly<Record<string, unknown>>, dir = solverFitDir()): string {
  const h = createHash('sha256').update(canonicalJson({ kind, key })).digest('hex').slice(0, 24);
  return path.join(dir, `${kind}-${h}.json`);
}

/** Saves a fit (atomically, replacing an older fit of the same key); returns its file. */
export function saveSolverFit<D>(kind: string, key: Readonly<Record<string, unknown>>, data: D, dir = solverFitDir()): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = solverFitFile(kind, key, dir);
  const stored: StoredSolverFit<D> = { format: SOLVER_FIT_FORMAT, kind, key, data, created: new Date().toISOString() };
  writeFileAtomicSync(file, `${JSON.stringify(stored, null, 1)}\n`);
  return file;
}

function readFit(file: string): StoredSolverFit | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RepriseError('RUNTIME_INPUT', `the solver fit ${file} cannot be read: ${(e as Error).message}`, { hint: 'Delete it and fit again (`reprise fit-solver`).', cause: e });
  }
  const s = parsed as Partial<StoredSolverFit>;
  if (s.format !== SOLVER_FIT_FORMAT || typeof s.kind !== 'string' || typeof s.key !== 'object' || s.key === null || !('data' in s)) {
    throw new RepriseError('RUNTIME_INPUT', `the solver fit ${file} is not a format-${SOLVER_FIT_FORMAT} fit`, { hint: 'Delete it and fit again (`reprise fit-solver`).' });
  }
  return s as StoredSolverFit;
}

/** The fit of `kind` for `key`, or undefined when none was saved. */
export function loadSolverFit<D>(kind: string, key: Readonly<Record<string, unknown>>, dir = solverFitDir()): StoredSolverFit<D> | undefined {
  const fit = readFit(solverFitFile(kind, key, dir));
  // A hash collision or a hand-edited file: the stored key must be the one asked for.
  if (fit !== undefined && canonicalJson(fit.key) !== canonicalJson(key)) return undefined;
  return fit as StoredSolverFit<D> | undefined;
}

/** Every saved fit of `kind` whose key has the given entries (e.g. every DC fit of one model). */
export function listSolverFits<D>(kind: string, match: Readonly<Record<string, unknown>>, dir = solverFitDir()): StoredSolverFit<D>[] {
  if (!fs.existsSync(dir)) return [];
  const out: StoredSolverFit<D>[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith(`${kind}-`) || !name.endsWith('.json')) continue;
    const fit = readFit(path.join(dir, name));
    if (fit === undefined || fit.kind !== kind) continue;
    if (Object.entries(match).every(([k, v]) => canonicalJson(fit.key[k]) === canonicalJson(v))) out.push(fit as StoredSolverFit<D>);
  }
  return out;
}
