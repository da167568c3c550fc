/**
 * `reprise conformance <folder> [--json] [--dtype fp32|fp16] [--device cpu|cuda|cuda:N] [--no-cache]`
 * Exit codes: 0 all within tolerance, 1 some component failed, 2 usage error.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { RepriseError } from '../errors.js';
import { runConformance } from '../conformance/runner.js';
import type { ConformanceResult } from '../conformance/result.js';
import { resolveDeviceSpec, type DeviceSpec } from '../runtime/device.js';

export const CONFORMANCE_HELP = `Usage: reprise conformance <folder> [--json] [--dtype fp32|fp16] [--device cpu|cuda|cuda:N] [--no-cache]

Runs every component found in <folder> (laid out like shared/fixtures/reference: UNet, VAE and
text-encoder folders with reference.safetensors, tokenizer folders with reference.json, and
schedulers*.json files) and compares it with the reference outputs.

Prints one line per component (one JSON object per line with --json). Exit code 0 when every
component is within tolerance (fp32: 1e-4 max relative error, fp16: 1e-2; tokenizer ids
identical; scheduler sums 1e-5), 1 otherwise, 2 on a usage error.

Example:
  npm run conformance -- ../shared/fixtures/reference --json`;

function format(r: ConformanceResult): string {
  const status = r.ok ? 'ok  ' : 'FAIL';
  const err = r.kind === 'tokenizer' ? `${r.maxRelError} mismatching text(s)` : `max rel err ${r.maxRelError.toExponential(2)} (tol ${r.tolerance})`;
  return `${status} ${r.kind.padEnd(12)} ${r.component.padEnd(28)} ${err}${r.error ? `  error: ${r.error}` : ''}`;
}

/** Runs the conformance command with argv (without the command name); returns the exit code. */
export async function conformanceCommand(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { json: { type: 'boolean' }, dtype: { type: 'string' }, device: { type: 'string' }, 'no-cache': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${CONFORMANCE_HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${CONFORMANCE_HELP}\n`);
    return 0;
  }
  const folder = positionals[0];
  if (folder === undefined || positionals.length > 1) {
    process.stderr.write(`Expected exactly one folder.\n\n${CONFORMANCE_HELP}\n`);
    return 2;
  }
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    process.stderr.write(`Not a folder: ${folder}\n`);
    return 2;
  }
  const dtype = values.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16') {
    process.stderr.write(`--dtype must be fp32 or fp16, got "${dtype}"\n`);
    return 2;
  }
  let device: DeviceSpec;
  try {
    device = resolveDeviceSpec(values.device ?? 'cpu');
  } catch (e) {
    process.stderr.write(`${(e as RepriseError).message}\n`);
    return 2;
  }
  const results = await runConformance(folder, {
    dtype,
    ...device,
    ...(values['no-cache'] ? { cache: false as const } : {}),
    onResult: (r) => process.stdout.write(`${values.json ? JSON.stringify(r) : format(r)}\n`),
  });
  if (results.length === 0) {
    process.stderr.write(`No components found in ${folder} (expected config.json, vocab.json or schedulers*.json).\n`);
    return 1;
  }
  return results.every((r) => r.ok) ? 0 : 1;
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
