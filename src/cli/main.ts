#!/usr/bin/env node
/**
 * The `reprise` command. Exit codes: 0 success, 1 a check or job failed, 2 usage error,
 * 3 unexpected internal error.
 */
import { conformanceCommand } from './conformance.js';
import { benchCommand } from './bench.js';
import { doctorCommand, installCudaCommand } from './doctor.js';

const HELP = `Usage: reprise <command> [options]

Commands:
  conformance <folder>   compare the model builders with reference outputs
  doctor                 check the runtime, CUDA provider/libraries, GPU and image backends
  install-cuda-provider  install onnxruntime's CUDA provider (CUDA 13 default, --cuda 12)
  bench                  time SD 1.5-size graphs (UNet, controlled UNet, VAE, text encoder)

Run \`reprise <command> --help\` for a command's options.

Options:
  -h, --help             show this help
  --version              print the version

Examples:
  reprise conformance ../shared/fixtures/reference --json
  reprise doctor --device cuda

Exit codes: 0 success, 1 check failed, 2 usage error, 3 internal error.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    case '--version':
      process.stdout.write('0.1.0\n');
      return 0;
    case 'conformance':
      return conformanceCommand(rest);
    case 'doctor':
      return doctorCommand(rest);
    case 'install-cuda-provider':
      return installCudaCommand(rest);
    case 'bench':
      return benchCommand(rest);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`reprise: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
  },
);
