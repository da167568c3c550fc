/**
 * The GPU check: every measurement the GPU issue asks for, in one command, each stage an isolated
 * child process with its own time budget (a failing stage never stops the rest), under one
 * overall budget so the command ends inside a device call's limit.
 *
 *   npm run gpu:check -- [--device cuda|cpu] [--quick] [--out DIR] [--budget SECONDS]
 *       [--fixtures DIR] [--only id,id] [--bench-size sd15|tiny]
 *
 * On the GPU machine (no tsx there) run the compiled tools: `node .tools-build/scripts/gpu-check.js`
 * (`npm run build:tools` compiles them; docs/gpu.md has the staging and the one device command).
 * Writes DIR/gpu-check.json (every stage's parsed output, stderr tails, the table rows),
 * DIR/gpu-check.log and DIR/summary.txt; prints the table last. DIR defaults to $OUT, else
 * gpu-check-output. Exit status 0 when every stage succeeded, 1 otherwise, 2 on a usage error.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gpuCheckPlan, type CheckDevice } from './gpu-check/plan.js';
import { runStage, type StageResult } from './gpu-check/run-stage.js';
import { formatTable, summaryRows } from './gpu-check/summary.js';

const HELP = `Usage: npm run gpu:check -- [--device cuda|cpu] [--quick] [--out DIR] [--budget SECONDS]
                             [--fixtures DIR] [--only id,id] [--bench-size sd15|tiny]

Runs doctor, conformance (fp32, fp16), eval:exactness (fp32, fp16, deterministic), the demo's
checks and the SD 1.5 benchmarks on one device, each stage isolated with its own time budget,
and prints a table next to the docs/design.md §8 reference numbers. --quick: fewer steps and runs.
Defaults: --device cuda, --budget 540, --out $OUT or gpu-check-output.`;

function gpuInfo(): string | undefined {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function ortVersion(repoRoot: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        device: { type: 'string', default: 'cuda' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        budget: { type: 'string', default: '540' },
        fixtures: { type: 'string' },
        only: { type: 'string' },
        'bench-size': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`gpu-check: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const budget = Number(values.budget);
  const benchSize = values['bench-size'];
  if ((values.device !== 'cuda' && values.device !== 'cpu') || !(budget > 0) || (benchSize !== undefined && benchSize !== 'sd15' && benchSize !== 'tiny')) {
    process.stderr.write(`gpu-check: invalid options\n\n${HELP}\n`);
    return 2;
  }
  const device = values.device as CheckDevice;
  const self = fileURLToPath(import.meta.url);
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const codeRoot = path.resolve(path.dirname(self), '..');
  // Compiled tools live in <repo>/.tools-build; sources in <repo>.
  const repoRoot = ext === '.js' ? path.resolve(codeRoot, '..') : codeRoot;
  const out = path.resolve(values.out ?? process.env.OUT ?? 'gpu-check-output');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-gpu-check-'));
  fs.mkdirSync(out, { recursive: true });
  const fixtures = [values.fixtures, process.env.REPRISE_FIXTURES, path.join(repoRoot, '..', 'shared', 'fixtures', 'reference'), path.join(repoRoot, 'shared', 'fixtures', 'reference'), '/root/stage/fixtures/reference']
    .find((d): d is string => d !== undefined && d !== '' && fs.existsSync(path.join(d, 'README.md')));
  const model = process.env.REPRISE_MODEL_DIR ?? path.join(repoRoot, 'models', 'reprise-scenes');
  const runtime = ext === '.ts' ? [process.execPath, '--import', 'tsx'] : [process.execPath];
  let stages = gpuCheckPlan({ device, quick: values.quick, runtime, codeRoot, ext, fixtures, model, scratch, benchSize: benchSize as 'sd15' | 'tiny' | undefined });
  if (values.only !== undefined) {
    const only = new Set(values.only.split(','));
    stages = stages.filter((s) => only.has(s.id));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REPRISE_MODEL_DIR: model,
    REPRISE_CACHE_DIR: process.env.REPRISE_CACHE_DIR ?? path.join(os.tmpdir(), 'reprise-gpu-check-cache'),
  };
  const header = {
    date: new Date().toISOString(),
    device,
    quick: values.quick,
    gpu: gpuInfo() ?? null,
    node: process.version,
    onnxruntimeNode: ortVersion(repoRoot),
    host: `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    fixtures: fixtures ?? null,
    budgetSeconds: budget,
  };
  process.stderr.write(`gpu-check on ${device}${values.quick ? ' (quick)' : ''}: ${stages.length} stages, ${budget} s overall; ${header.gpu ?? 'no nvidia-smi'}\n`);
  const log = fs.createWriteStream(path.join(out, 'gpu-check.log'));
  const t0 = performance.now();
  const results: StageResult[] = [];
  for (const s of stages) {
    const left = budget - (performance.now() - t0) / 1000;
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s.id} (≤ ${Math.min(s.budgetSeconds, Math.max(0, Math.floor(left)))} s) …\n`);
    const r = await runStage(s, Math.min(s.budgetSeconds, Math.floor(left)), env, repoRoot);
    results.push(r);
    process.stderr.write(`         ${s.id}: ${r.status} in ${r.seconds} s${r.status === 'failed' ? ` (exit ${String(r.exitCode)})` : ''}\n`);
    log.write(`### ${r.id}: ${r.status} in ${r.seconds} s (budget ${r.budgetSeconds} s)\n$ ${r.command}\n${r.otherLines.join('\n')}\n--- stderr (tail)\n${r.stderrTail}\n\n`);
    // Written after every stage: a device call cut short still returns what was measured.
    const rows = summaryRows(results);
    fs.writeFileSync(path.join(out, 'gpu-check.json'), `${JSON.stringify({ ...header, totalSeconds: Math.round((performance.now() - t0) / 1000), rows, stages: results }, null, 1)}\n`);
  }
  await new Promise<void>((resolve) => log.end(resolve));
  const rows = summaryRows(results);
  const totalSeconds = Math.round((performance.now() - t0) / 1000);
  const title = `Reprise gpu-check ${header.date} on ${device} — ${header.gpu ?? 'no GPU'}; node ${header.node}, onnxruntime-node ${header.onnxruntimeNode}; ${totalSeconds} s`;
  const stageLine = results.map((r) => `${r.id} ${r.status} ${r.seconds}s`).join(' | ');
  const table = `${title}\n${stageLine}\n\n${formatTable(rows)}\n`;
  fs.writeFileSync(path.join(out, 'summary.txt'), table);
  fs.rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`\n${table}`);
  return results.every((r) => r.status === 'ok') ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`gpu-check: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(3);
  },
);
