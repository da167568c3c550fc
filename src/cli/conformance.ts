/**
 * `reprise conformance <folder> [--json] [--dtype fp32|fp16] [--device cpu|cuda|cuda:N] [--no-cache]`
 * Exit codes: 0 all within tolerance, 1 some component failed, 2 usage error.
 */
import * as fs from 'node:fs';
import { runConformance } from '../conformance/runner.js';
import type { ConformanceResult } from '../conformance/result.js';
import { resolveDeviceSpec, type DeviceSpec } from '../runtime/device.js';
import { onePositional } from './args.js';
import { runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { CONFORMANCE_TABLE } from './options/conformance.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';

/** The help text of `reprise conformance` (from its table). */
export const CONFORMANCE_HELP = helpText(CONFORMANCE_TABLE);

function format(r: ConformanceResult): string {
  const status = r.ok ? 'ok  ' : 'FAIL';
  const err = r.kind === 'tokenizer' ? `${r.maxRelError} mismatching text(s)` : `max rel err ${r.maxRelError.toExponential(2)} (tol ${r.tolerance})`;
  return `${status} ${r.kind.padEnd(12)} ${r.component.padEnd(28)} ${err}${r.error ? `  error: ${r.error}` : ''}`;
}

/** Runs the conformance command with argv (without the command name); returns the exit code. */
export function conformanceCommand(argv: readonly string[]): Promise<number> {
  return runCommand('conformance', argv, () => conformance(argv));
}

async function conformance(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(CONFORMANCE_TABLE, argv);
  const { values, positionals } = parsed;
  if (parsed.help) {
    process.stdout.write(`${CONFORMANCE_HELP}\n`);
    return EXIT.ok;
  }
  const folder = onePositional(positionals, '<folder>', CONFORMANCE_HELP);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new UsageError(`not a folder: ${folder}`, CONFORMANCE_HELP);
  const dtype = (values.dtype ?? 'fp32') as 'fp32' | 'fp16';
  const device: DeviceSpec = resolveDeviceSpec(values.device ?? 'cpu');
  const results = await runConformance(folder, {
    dtype,
    ...device,
    ...(values['no-cache'] ? { cache: false as const } : {}),
    onResult: (r) => process.stdout.write(`${values.json ? JSON.stringify(r) : format(r)}\n`),
  });
  if (results.length === 0) {
    process.stderr.write(`No components found in ${folder} (expected config.json, vocab.json or schedulers*.json).\n`);
    return EXIT.failed;
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

const isMain = process.argv[1] !== undefined && /conformance\.(ts|js)$/.test(process.argv[1]);
if (isMain) {
  conformanceCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
