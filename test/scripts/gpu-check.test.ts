import { describe, expect, it } from 'vitest';
import { gpuCheckPlan, type PlanOptions } from '../../scripts/gpu-check/plan.js';
import { parseStageOutput, runStage, type StageResult } from '../../scripts/gpu-check/run-stage.js';
import { formatTable, summaryRows } from '../../scripts/gpu-check/summary.js';

const base: PlanOptions = { device: 'cuda', quick: false, runtime: ['/n/node'], codeRoot: '/r/.tools-build', ext: '.js', fixtures: '/f/ref', model: '/r/models/m', scratch: '/tmp/s' };

const stage = (over: Partial<StageResult> & Pick<StageResult, 'id' | 'kind' | 'records'>): StageResult => ({
  measures: '',
  status: 'ok',
  exitCode: 0,
  seconds: 1,
  budgetSeconds: 10,
  otherLines: [],
  stderrTail: '',
  command: '',
  ...over,
});

describe('gpu-check plan', () => {
  it('covers every measurement of the issue on the asked device, with unique ids and positive budgets', () => {
    const plan = gpuCheckPlan(base);
    const ids = plan.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['doctor', 'conformance-fp32', 'conformance-fp16', 'exactness-fp32', 'exactness-fp16', 'exactness-fp32-deterministic', 'demo', 'demo-deterministic', 'bench-unet', 'bench-controlled', 'bench-vae-text', 'bench-e2e', 'bench-unet-deterministic']));
    for (const s of plan) {
      expect(s.budgetSeconds).toBeGreaterThan(0);
      expect(s.argv[0]).toBe('/n/node');
      expect(s.argv).toContain('cuda');
      expect(s.argv[s.argv.indexOf('--device') + 1]).toBe('cuda');
      expect(s.skipReason).toBeUndefined();
    }
    const unet = plan.find((s) => s.id === 'bench-unet');
    expect(unet?.argv).toEqual(['/n/node', '/r/.tools-build/src/cli/main.js', 'bench', '--device', 'cuda', '--size', 'sd15', '--only', 'unet', '--runs', '20', '--warmup', '3', '--steps', '50', '--json']);
    expect(plan.find((s) => s.id === 'exactness-fp16')?.argv).toEqual(expect.arrayContaining(['/r/.tools-build/scripts/eval-exactness.js', '--dtype', 'fp16', '--model', '/r/models/m']));
    expect(plan.find((s) => s.id === 'exactness-fp32-deterministic')?.argv).toContain('--deterministic');
    expect(plan.find((s) => s.id === 'conformance-fp32')?.argv).toEqual(expect.arrayContaining(['conformance', '/f/ref', '--dtype', 'fp32']));
    // The most wanted numbers come first, so a run cut short still has them.
    expect(ids.slice(0, 4)).toEqual(['doctor', 'bench-unet', 'bench-controlled', 'bench-e2e']);
    // One device call: the full budgets of the first eight stages fit in its 10 minutes.
    expect(plan.slice(0, 8).reduce((s, x) => s + x.budgetSeconds, 0)).toBeLessThanOrEqual(900);
  });

  it('--quick and cpu shrink the work; sources run through tsx; missing fixtures skip conformance', () => {
    const plan = gpuCheckPlan({ ...base, device: 'cpu', quick: true, runtime: ['node', '--import', 'tsx'], codeRoot: '/r', ext: '.ts', fixtures: undefined });
    const unet = plan.find((s) => s.id === 'bench-unet');
    expect(unet?.argv.slice(0, 4)).toEqual(['node', '--import', 'tsx', '/r/src/cli/main.ts']);
    expect(unet?.argv).toEqual(expect.arrayContaining(['--size', 'tiny', '--runs', '3', '--steps', '5']));
    expect(plan.find((s) => s.id === 'exactness-fp32')?.argv).toEqual(expect.arrayContaining(['--steps', '4']));
    const conf = plan.filter((s) => s.kind === 'conformance');
    expect(conf).toHaveLength(2);
    for (const c of conf) expect(c.skipReason).toMatch(/fixtures/);
  });
});

describe('gpu-check stage runner', () => {
  it('parses JSON lines and a pretty-printed JSON object, keeping other lines', () => {
    expect(parseStageOutput('{"a":1}\nnot json\n{"b":2}\n[1]\n', 'jsonl')).toEqual({ records: [{ a: 1 }, { b: 2 }], otherLines: ['not json', '[1]'] });
    expect(parseStageOutput('Reprise demo\n{\n  "ok": true,\n  "x": [1]\n}\n', 'json')).toEqual({ records: [{ ok: true, x: [1] }], otherLines: ['Reprise demo'] });
  });

  it('isolates a failing and a hanging stage: exit codes, timeout, output kept', async () => {
    const node = process.execPath;
    const ok = await runStage({ id: 'a', kind: 'bench', measures: '', argv: [node, '-e', 'console.log(JSON.stringify({name:"x"}))'], budgetSeconds: 20, output: 'jsonl' }, 20, process.env, process.cwd());
    expect(ok.status).toBe('ok');
    expect(ok.records).toEqual([{ name: 'x' }]);
    const bad = await runStage({ id: 'b', kind: 'bench', measures: '', argv: [node, '-e', 'console.error("boom"); process.exit(4)'], budgetSeconds: 20, output: 'jsonl' }, 20, process.env, process.cwd());
    expect(bad).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(bad.stderrTail).toContain('boom');
    const hang = await runStage({ id: 'c', kind: 'bench', measures: '', argv: [node, '-e', 'console.log("{\\"n\\":1}"); setInterval(() => {}, 1000)'], budgetSeconds: 1, output: 'jsonl' }, 1, process.env, process.cwd());
    expect(hang.status).toBe('timeout');
    expect(hang.seconds).toBeGreaterThanOrEqual(0.9);
    expect(hang.seconds).toBeLessThan(10);
    const skipped = await runStage({ id: 'd', kind: 'bench', measures: '', argv: [node], budgetSeconds: 5, output: 'jsonl' }, 0, process.env, process.cwd());
    expect(skipped).toMatchObject({ status: 'skipped', skipReason: 'no time left in the overall budget' });
  }, 30_000);
});

describe('gpu-check summary', () => {
  it('judges comparable bench lines against docs/design.md §8 and reports memory at batch 4', () => {
    const rows = summaryRows([
      stage({
        id: 'bench-unet',
        kind: 'bench',
        records: [
          { bench: 'reprise', comparableToAnchors: true },
          { name: 'unet_batch2', timing: { medianMs: 10.5 } },
          { name: 'unet_batch4', timing: { medianMs: 20 }, gpuMemoryMiB: 9000 },
          { name: 'edit_end_to_end', totalMs: 1250, imagesPerMinute: 48, reconstructionExact: true, gpuMemoryMiB: 5000 },
        ],
      }),
    ]);
    const by = (w: string) => rows.find((r) => r.what === w);
    expect(by('unet_batch2')).toMatchObject({ verdict: 'meets', measured: '10.50 ms' });
    expect(by('unet_batch2')?.reference).toContain('11.70 ms');
    expect(by('unet_batch4')?.verdict).toBe('misses');
    expect(by('GPU memory, UNet batch 4')).toMatchObject({ measured: '9000 MiB', verdict: 'misses' });
    expect(by('edit_end_to_end')).toMatchObject({ verdict: 'meets' });
    expect(by('edit_end_to_end')?.measured).toContain('48 img/min');
  });

  it('gives no verdict on a run that is not comparable (cpu, tiny), and reports failed and skipped stages', () => {
    const rows = summaryRows([
      stage({ id: 'bench-unet', kind: 'bench', records: [{ bench: 'reprise', comparableToAnchors: false }, { name: 'unet_batch2', timing: { medianMs: 3 } }] }),
      stage({ id: 'conformance-fp32', kind: 'conformance', status: 'skipped', exitCode: null, records: [], skipReason: 'no fixtures' }),
      stage({ id: 'demo', kind: 'demo', status: 'failed', exitCode: 3, records: [], stderrTail: 'Error: x\n    at foo\n' }),
    ]);
    expect(rows.find((r) => r.what === 'unet_batch2')?.verdict).toBe('n/a');
    expect(rows.find((r) => r.stage === 'conformance-fp32')).toMatchObject({ verdict: 'n/a', measured: 'skipped: no fixtures' });
    expect(rows.find((r) => r.stage === 'demo')).toMatchObject({ verdict: 'FAIL', measured: 'exit 3: Error: x' });
    const doctor = summaryRows([stage({ id: 'doctor', kind: 'doctor', records: [{ ok: true, device: 'cpu', checks: [{ name: 'node', ok: true, requiredFor: 'all' }, { name: 'gpu', ok: false, requiredFor: 'cuda' }] }] })]);
    expect(doctor).toEqual([{ stage: 'doctor', what: 'ready for cpu', measured: 'yes', reference: '', verdict: 'pass' }]);
  });

  it('exactness: bit-exact methods, a non-repeatable UNet, failed targets; conformance counts; table lines', () => {
    const rows = summaryRows([
      stage({
        id: 'exactness-fp16',
        kind: 'exactness',
        records: [
          { check: 'unet-repeatability', bitIdentical: false, maxAbsDiff: 2e-6 },
          { label: 'ddim', relError: 0.3, target: null, pass: null },
          { label: 'bdia γ=1', relError: 0, target: 1e-4, pass: true },
          { label: 'edict p=0.93', relError: 0.02, target: 1e-3, pass: false },
        ],
      }),
      stage({ id: 'conformance-fp32', kind: 'conformance', status: 'failed', exitCode: 1, records: [{ component: 'unet', kind: 'unet', ok: false, maxRelError: 3e-3, tolerance: 1e-4 }, { component: 'tok', kind: 'tokenizer', ok: true, maxRelError: 0 }] }),
    ]);
    expect(rows.find((r) => r.what === 'UNet bit-identical run to run')).toMatchObject({ verdict: 'FAIL', measured: 'no (max diff 2.0e-6)' });
    expect(rows.find((r) => r.what === 'exact methods within target')).toMatchObject({ verdict: 'FAIL', measured: '1/2; bit-exact: bdia γ=1' });
    expect(rows.find((r) => r.what === 'bdia γ=1 rel. error')).toBeUndefined();
    expect(rows.find((r) => r.what === 'edict p=0.93 rel. error')).toMatchObject({ verdict: 'FAIL', measured: '2.0e-2' });
    expect(rows.some((r) => r.what.startsWith('ddim'))).toBe(false);
    expect(rows.find((r) => r.what === 'components within tolerance')).toMatchObject({ measured: '1/2; worst unet 3.0e-3', verdict: 'FAIL' });
    const table = formatTable(rows).split('\n');
    expect(table).toHaveLength(rows.length + 1);
    expect(table[0]).toMatch(/^stage\s+what\s+measured/);
  });
});
