/** The `reprise` commands by name: one file per command. */
import { batchCommand } from './batch.js';
import { batchQueueCommand, isQueueBatch } from './batch-queue.js';
import { benchCommand } from './bench.js';
import { cacheCommand } from './cache.js';
import { conformanceCommand } from './conformance.js';
import { doctorCommand, installCudaCommand } from './doctor.js';
import { editCommand } from './edit.js';
import { fitSolverCommand } from './fit-solver.js';
import { generateCommand } from './generate.js';
import { invertCommand } from './invert.js';
import { mapsCommand } from './maps.js';
import { reconstructCommand } from './reconstruct.js';
import { workerCommand } from './worker.js';

/** A command: argv (without the command name) to exit code. */
export type Command = (argv: readonly string[]) => number | Promise<number>;

/** Every command of `reprise`, by name (the names of the listed command tables). */
export const COMMANDS: Readonly<Record<string, Command>> = {
  generate: generateCommand,
  invert: invertCommand,
  reconstruct: reconstructCommand,
  edit: editCommand,
  maps: mapsCommand,
  batch: (argv) => (isQueueBatch(argv) ? batchQueueCommand(argv) : batchCommand(argv)),
  worker: workerCommand,
  conformance: conformanceCommand,
  doctor: doctorCommand,
  'install-cuda-provider': installCudaCommand,
  bench: benchCommand,
  cache: cacheCommand,
  'fit-solver': fitSolverCommand,
};
