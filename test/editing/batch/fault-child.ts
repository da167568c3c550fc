/**
 * Child process of the kill tests: runs the fault job of `faults-kill.test.ts` in `<dir>` through
 * runBatch, Ctrl-C handled like `reprise batch` (first SIGINT stops cleanly, exit 130 when items
 * are left). Prints "started" once the run is under way.
 */
import * as path from 'node:path';
import { handleInterrupts } from '../../../src/cli/interrupt.js';
import { resolveJob } from '../../../src/editing/batch/job-file.js';
import { runBatch } from '../../../src/editing/batch/runner.js';
import { z } from 'zod';
import { faultItem, FAULT_JOB } from './fault-job.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: fault-child.ts <dir>');
const job = resolveJob(FAULT_JOB, { dir, file: path.join(dir, 'job.yaml'), editOptions: z.record(z.string(), z.unknown()) });
const controller = new AbortController();
handleInterrupts(controller);
process.stdout.write('started\n');
const summary = await runBatch(job, { processItem: faultItem, signal: controller.signal, concurrency: 2 });
process.exit(summary.pending > 0 ? 130 : summary.failed > 0 ? 1 : 0);
