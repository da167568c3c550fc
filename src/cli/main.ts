#!/usr/bin/env node
/**
 * The `reprise` command: dispatches to one file per command. Exit codes (see `errors.ts`):
 * 0 success, 1 a check or job item failed, 2 usage or input error, 3 internal error,
 * 130 interrupted.
 */
import { batchCommand } from './batch.js';
import { batchQueueCommand, isQueueBatch } from './batch-queue.js';
import { benchCommand } from './bench.js';
import { cacheCommand } from './cache.js';
import { runCommand } from './command.js';
import { conformanceCommand } from './conformance.js';
import { doctorCommand, installCudaCommand } from './doctor.js';
import { editCommand } from './edit.js';
import { EXIT, EXIT_CODES_HELP, printError } from './errors.js';
import { generateCommand } from './generate.js';
import { invertCommand } from './invert.js';
import { mapsCommand } from './maps.js';
import { reconstructCommand } from './reconstruct.js';
import { workerCommand } from './worker.js';
import { REPRISE_VERSION } from './version.js';

const HELP = `Usage: reprise <command> [options]

Commands:
  generate --prompt P    text-to-image with any solver (--scheduler pndm|unipc|…) and its exact record
  invert <image>         invert an image into an inversion record (.inv.safetensors)
  reconstruct <record>   regenerate a record's image (bit-identical with the residual)
  edit <image|record>    edit toward target prompts (prompt-to-prompt), one PNG per target
  maps <image|record>    cross-attention heatmaps of the source prompt's words
  batch <job.yaml>       run a job file of inputs × edits (resumable, HTML report; --queue: on Redis)
  worker --queue <url>   process queued batch items (BullMQ on Redis), one per GPU or machine
  conformance <folder>   compare the model builders with reference outputs
  doctor                 check the runtime, CUDA provider/libraries, GPU and image backends
  install-cuda-provider  install onnxruntime's CUDA provider (CUDA 13 default, --cuda 12)
  bench                  time SD 1.5-size graphs (UNet, controlled UNet, VAE, text encoder)
  cache ls|prune         the compiled-graph cache: sizes, removing unused graphs and weights

Run \`reprise <command> --help\` for a command's options and examples. Every model command
takes --model <folder> (a diffusers folder), --device cpu|cuda|cuda:N and --dtype fp32|fp16; --json
prints machine-readable results on stdout. Progress goes to stderr.

Options:
  -h, --help             show this help
  --version              print the version

Examples:
  reprise generate --model models/sd15 --prompt "a cat on a bench" --scheduler unipc
  reprise invert cat.jpg --model models/sd15 --prompt "a cat on a bench"
  reprise reconstruct cat.inv.safetensors --model models/sd15
  reprise edit cat.inv.safetensors --model models/sd15 --target "a dog on a bench" --maps
  reprise batch job.yaml --concurrency 2
  reprise doctor --device cuda

${EXIT_CODES_HELP}`;

type Command = (argv: readonly string[]) => number | Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  generate: generateCommand,
  invert: invertCommand,
  reconstruct: reconstructCommand,
  edit: editCommand,
  maps: mapsCommand,
  batch: (argv) => (isQueueBatch(argv) ? batchQueueCommand(argv) : batchCommand(argv)),
  worker: workerCommand,
  conformance: (argv) => runCommand('conformance', argv, () => conformanceCommand(argv)),
  doctor: (argv) => runCommand('doctor', argv, () => doctorCommand(argv)),
  'install-cuda-provider': (argv) => runCommand('install-cuda-provider', argv, async () => installCudaCommand(argv)),
  bench: (argv) => runCommand('bench', argv, () => benchCommand(argv)),
  cache: cacheCommand,
};

/** Runs the `reprise` command line (without `node` and the script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      process.stderr.write(`${HELP}\n`);
      return EXIT.usage;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return EXIT.ok;
    case '--version':
    case '-v':
      process.stdout.write(`${REPRISE_VERSION}\n`);
      return EXIT.ok;
  }
  const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    process.stderr.write(`reprise: unknown command "${command}"\n  → Commands: ${Object.keys(COMMANDS).join(', ')}. Run \`reprise --help\`.\n`);
    return EXIT.usage;
  }
  return run(rest);
}

// A reader that goes away (`reprise batch --json | head`) must not crash hours of work: drop the output.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => process.exit(printError(e)),
);
