/**
 * The stored DPM-Solver-v3 statistics of a model: one safetensors file per (model id, guidance
 * scale, latent shape) — their Stable Diffusion EMS are computed at one guidance scale and hold
 * one value per latent element — under `$REPRISE_CACHE_DIR/solver-fits` (else
 * `~/.cache/reprise/solver-fits`), named `v3-<hash of the canonical key>.safetensors`. l, s, b are
 * F32 tensors [M + 1, C·H·W] (as their npz files); the λ grid, the key and how the statistics were
 * computed are canonical JSON in the metadata. Written with the project's atomic safetensors writer.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepriseError } from '../../errors.js';
import { openSafetensors, writeSafetensors } from '../../io/safetensors.js';
import { solverFitDir } from '../../runtime/solver-fit-cache.js';
import { isV3Statistics, type SchedulerConfig, type V3Statistics } from '../../solvers/index.js';
import { canonicalJson } from '../../util/canonical-json.js';

/** Version of the file layout. */
export const V3_STATISTICS_FORMAT = 1;

/** What a set of statistics is for. */
export interface V3StatisticsKey {
  readonly modelId: string;
  readonly guidance: number;
  readonly latentShape: readonly [number, number, number];
}

/** How the statistics were computed (stored with them). */
export interface V3StatisticsInfo {
  readonly samples: number;
  readonly seed: number;
  readonly steps: number;
  readonly seconds?: number;
}

/** The command that computes statistics, for hints. */
export const V3_FIT_COMMAND = 'reprise fit-solver v3 --model DIR --guidance W';

/** The statistics of a model are not in the cache. */
export class V3StatisticsMissingError extends RepriseError {
  readonly file: string;
  constructor(key: V3StatisticsKey, file: string) {
    super(
      'CONFIG_INVALID',
      `scheduler "dpm-solver-v3" needs the model's statistics, and none are stored for model ${key.modelId.slice(0, 12)}… at guidance ${key.guidance} and latent ${key.latentShape.join('×')} (looked for ${file})`,
      { hint: `Compute them once with \`${V3_FIT_COMMAND}\` (the same guidance and width/height), or choose another scheduler.` },
    );
    this.name = 'V3StatisticsMissingError';
    this.file = file;
  }
}

/** The default folder of the statistics: the solver-fit cache's (runtime/solver-fit-cache.ts). */
export function v3StatisticsDir(): string {
  return solverFitDir();
}

const keyJson = (key: V3StatisticsKey): string => canonicalJson({ kind: 'v3', modelId: key.modelId, guidance: key.guidance, latentShape: [...key.latentShape] });

/** The file of one key. */
export function v3StatisticsFile(key: V3StatisticsKey, dir = v3StatisticsDir()): string {
  return path.join(dir, `v3-${createHash('sha256').update(keyJson(key)).digest('hex').slice(0, 24)}.safetensors`);
}

/** Saves statistics (atomically, replacing older ones of the same key); returns the file. */
export function saveV3Statistics(stats: V3Statistics, key: V3StatisticsKey, info: V3StatisticsInfo, dir = v3StatisticsDir()): string {
  const [c, h, w] = key.latentShape;
  if (stats.size !== c * h * w) throw new RepriseError('CONFIG_INVALID', `DPM-Solver-v3 statistics hold ${stats.size} values per grid point, the latent ${key.latentShape.join('×')} has ${c * h * w}`);
  if (stats.guidance !== key.guidance) throw new RepriseError('CONFIG_INVALID', `DPM-Solver-v3 statistics were computed at guidance ${stats.guidance}, the key says ${key.guidance}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = v3StatisticsFile(key, dir);
  const shape = [stats.lambdas.length, stats.size];
  const metadata = {
    format: String(V3_STATISTICS_FORMAT),
    key: keyJson(key),
    lambdas: canonicalJson(Array.from(stats.lambdas)),
    info: canonicalJson(info),
  };
  writeSafetensors(
    file,
    (['l', 's', 'b'] as const).map((name) => ({ name, dtype: 'F32' as const, shape, data: Float32Array.from(stats[name]) })),
    metadata,
  );
  return file;
}

/** Reads one F32 tensor as Float64Array. */
function readF32(file: ReturnType<typeof openSafetensors>, name: string): Float64Array {
  const raw = file.readRaw(name);
  const f32 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float64Array.from(f32);
}

/** The stored statistics of `key`, with how they were computed. @throws V3StatisticsMissingError when none are stored. */
export function loadV3Statistics(key: V3StatisticsKey, dir = v3StatisticsDir()): { statistics: V3Statistics; info: V3StatisticsInfo; file: string } {
  const file = v3StatisticsFile(key, dir);
  if (!fs.existsSync(file)) throw new V3StatisticsMissingError(key, file);
  const st = openSafetensors(file);
  try {
    const meta = st.metadata;
    const bad = (why: string): RepriseError => new RepriseError('RUNTIME_INPUT', `the DPM-Solver-v3 statistics ${file} are unusable: ${why}`, { hint: `Delete the file and compute them again (\`${V3_FIT_COMMAND}\`).` });
    if (meta['format'] !== String(V3_STATISTICS_FORMAT)) throw bad(`format ${meta['format']}, expected ${V3_STATISTICS_FORMAT}`);
    if (meta['key'] !== keyJson(key)) throw bad('they belong to another key (model, guidance or latent shape)');
    const lambdas = Float64Array.from(JSON.parse(meta['lambdas'] ?? '[]') as number[]);
    const [c, h, w] = key.latentShape;
    const statistics = { lambdas, size: c * h * w, l: readF32(st, 'l'), s: readF32(st, 's'), b: readF32(st, 'b'), guidance: key.guidance };
    if (!isV3Statistics(statistics)) throw bad('the tensors do not match the grid and the latent size');
    return { statistics, info: JSON.parse(meta['info'] ?? '{}') as V3StatisticsInfo, file };
  } finally {
    st.close();
  }
}

/**
 * A scheduler config with the fitted statistics its solver needs (DPM-Solver-v3: the stored EMS
 * of `key`); any other config, or one that already holds statistics, unchanged. Evaluations that
 * build scheduler configs themselves call this for every solver.
 * @throws V3StatisticsMissingError naming the command that computes them when none are stored
 */
export function withSolverStatistics(config: SchedulerConfig, key: V3StatisticsKey, dir = v3StatisticsDir()): SchedulerConfig {
  if (config.className !== 'DPMSolverV3Scheduler' || config.statistics !== null) return config;
  return { ...config, statistics: loadV3Statistics(key, dir).statistics };
}
