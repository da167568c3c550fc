/**
 * Child process of the kill tests: `reprise batch <job>` itself (src/cli/batch.ts, the real
 * pipeline and model load), Ctrl-C handled as the CLI does (first SIGINT stops cleanly, exit 130).
 */
import { batchCommand } from '../../../src/cli/batch.js';

const job = process.argv[2];
if (job === undefined) throw new Error('usage: fault-child.ts <job.yaml>');
process.exit(await batchCommand([job, '--json']));
