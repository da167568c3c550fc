/** Every command table, in the order `reprise --help` and docs/cli.md list them. */
import { BATCH_TABLE } from './batch.js';
import { BATCH_QUEUE_TABLE } from './batch-queue.js';
import { BENCH_TABLE } from './bench.js';
import { BENCH_BATCH_TABLE } from './bench-batch.js';
import { CACHE_TABLE } from './cache.js';
import { CONFORMANCE_TABLE } from './conformance.js';
import type { CommandTable } from './define.js';
import { DOCTOR_TABLE, INSTALL_CUDA_TABLE } from './doctor.js';
import { EDIT_TABLE } from './edit.js';
import { FIT_SOLVER_TABLE } from './fit-solver.js';
import { GENERATE_TABLE } from './generate.js';
import { INVERT_TABLE } from './invert.js';
import { MAPS_TABLE } from './maps.js';
import { RECONSTRUCT_TABLE } from './reconstruct.js';
import { WORKER_TABLE } from './worker.js';

/** Every command table (sub-forms such as `batch --queue` right after their command). */
export const COMMAND_TABLES: readonly CommandTable[] = [
  GENERATE_TABLE,
  INVERT_TABLE,
  RECONSTRUCT_TABLE,
  EDIT_TABLE,
  MAPS_TABLE,
  BATCH_TABLE,
  BATCH_QUEUE_TABLE,
  WORKER_TABLE,
  CONFORMANCE_TABLE,
  DOCTOR_TABLE,
  INSTALL_CUDA_TABLE,
  BENCH_TABLE,
  BENCH_BATCH_TABLE,
  CACHE_TABLE,
  FIT_SOLVER_TABLE,
];
