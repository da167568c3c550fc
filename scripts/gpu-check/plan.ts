/**
 * The GPU check's plan: which stages run, in which order, with which command line and time
 * budget. Pure (no I/O), so the plan is tested on a machine without a GPU; `run-stage.ts` runs
 * one stage, `summary.ts` turns the results into the table.
 *
 * Order is by value: the first stages measure what the issue needs most (the runtime works, the
 * docs/design.md §8 timings, exactness), so a run cut short by the global budget still answers those.
 */

/** Devices the check runs on (cpu: a rehearsal of the same stages). */
export type CheckDevice = 'cpu' | 'cuda';

/** What a stage's stdout holds. */
export type StageOutput = 'jsonl' | 'json';

/** One isolated stage: a child process with its own time budget. */
export interface Stage {
  /** File-safe id, e.g. `bench-unet`. */
  readonly id: string;
  /** What it measures, for docs/gpu.md and the log. */
  readonly measures: string;
  /** Which summary rules read it. */
  readonly kind: 'doctor' | 'conformance' | 'exactness' | 'demo' | 'bench';
  /** The command: the runtime (node, or node --import tsx) followed by a script and its arguments. */
  readonly argv: readonly string[];
  /** Seconds before the stage is killed (also capped by the time left overall). */
  readonly budgetSeconds: number;
  readonly output: StageOutput;
  /** Why the stage cannot run here (it is reported as skipped), e.g. no fixtures. */
  readonly skipReason?: string;
}

/** Inputs of the plan. */
export interface PlanOptions {
  readonly device: CheckDevice;
  /** Fewer steps and runs: a rehearsal or a first look. */
  readonly quick: boolean;
  /** The runtime and module extension: compiled tools (`node`, `.js`) or sources (`node --import tsx`, `.ts`). */
  readonly runtime: readonly string[];
  /** Folder holding `src/` and `scripts/` (compiled or source). */
  readonly codeRoot: string;
  readonly ext: '.js' | '.ts';
  /** Reference fixtures for the conformance runner (shared/fixtures/reference), if any. */
  readonly fixtures?: string | undefined;
  /** The embedded default model folder (eval:exactness and the demo run on it). */
  readonly model: string;
  /** Scratch folder for outputs that do not come back (demo images). */
  readonly scratch: string;
  /** Bench model size (default: sd15 on cuda, tiny on cpu — an SD 1.5 bench on CPU takes an hour). */
  readonly benchSize?: 'sd15' | 'tiny' | undefined;
}

const join = (...p: string[]): string => p.join('/').replace(/\/+/g, '/');

/** The stages, in running order. */
export function gpuCheckPlan(o: PlanOptions): Stage[] {
  const cli = [...o.runtime, join(o.codeRoot, 'src', 'cli', `main${o.ext}`)];
  const script = (name: string): string[] => [...o.runtime, join(o.codeRoot, 'scripts', `${name}${o.ext}`)];
  const dev = ['--device', o.device];
  const size = o.benchSize ?? (o.device === 'cuda' ? 'sd15' : 'tiny');
  const runs = o.quick ? ['--runs', '3', '--warmup', '1'] : ['--runs', '20', '--warmup', '3'];
  const exactSteps = o.quick ? '4' : '20';
  // The demo's edit check (the circle turns green) needs its default 20 steps, also in --quick.
  const demoSteps = '20';
  const e2eSteps = o.quick ? '5' : '50';
  const bench = (id: string, only: string, budget: number, measures: string, extra: string[] = []): Stage => ({
    id,
    kind: 'bench',
    measures,
    argv: [...cli, 'bench', ...dev, '--size', size, '--only', only, ...runs, '--steps', e2eSteps, '--json', ...extra],
    budgetSeconds: budget,
    output: 'jsonl',
  });
  const exactness = (dtype: 'fp32' | 'fp16', deterministic: boolean, budget: number): Stage => ({
    id: `exactness-${dtype}${deterministic ? '-deterministic' : ''}`,
    kind: 'exactness',
    measures: `eval:exactness, every inversion method, ${dtype}${deterministic ? ', onnxruntime deterministic compute' : ''}: reconstruction error, bit-exactness, UNet run-to-run repeatability`,
    argv: [...script('eval-exactness'), '--model', o.model, ...dev, '--dtype', dtype, '--steps', exactSteps, '--json', ...(deterministic ? ['--deterministic'] : [])],
    budgetSeconds: budget,
    output: 'jsonl',
  });
  const conformance = (dtype: 'fp32' | 'fp16', budget: number): Stage => ({
    id: `conformance-${dtype}`,
    kind: 'conformance',
    measures: `conformance runner on the reference fixtures, ${dtype} (fp32 within 1e-4, fp16 within 1e-2 — reported)`,
    argv: [...cli, 'conformance', o.fixtures ?? '(no fixtures)', ...dev, '--dtype', dtype, '--no-cache', '--json'],
    budgetSeconds: budget,
    output: 'jsonl',
    ...(o.fixtures === undefined ? { skipReason: 'no reference fixtures found (pass --fixtures or stage them)' } : {}),
  });
  const demo = (deterministic: boolean, budget: number): Stage => ({
    id: `demo${deterministic ? '-deterministic' : ''}`,
    kind: 'demo',
    measures: `the demo's checks (EF-DDPM and BDIA reconstructions bit-identical, edit inside its mask, circle turns green)${deterministic ? ' with deterministic compute' : ''}`,
    argv: [...script('demo'), ...dev, '--steps', demoSteps, '--out', join(o.scratch, deterministic ? 'demo-deterministic' : 'demo'), '--json', ...(deterministic ? ['--deterministic'] : [])],
    budgetSeconds: budget,
    output: 'json',
  });
  return [
    { id: 'doctor', kind: 'doctor', measures: 'doctor: provider library, CUDA/cuDNN libraries, GPU, image backends, cache', argv: [...cli, 'doctor', ...dev, '--json'], budgetSeconds: 30, output: 'json' },
    bench('bench-unet', 'unet', 180, `UNet batch 1/2/4 (${size}, 64×64 latents on sd15), median of runs, GPU memory`),
    bench('bench-controlled', 'controlled', 150, 'attention-controlled UNet batch 4 and 6 (prompt-to-prompt, 1 and 2 edits)'),
    bench('bench-e2e', 'edit', 220, `end to end: EF-DDPM inversion + P2P edit, ${e2eSteps}+${e2eSteps} steps${size === 'sd15' ? ' at 512²' : ''}, images/min, GPU memory`),
    exactness('fp32', false, 60),
    conformance('fp32', 60),
    demo(false, o.device === 'cpu' ? 150 : 60),
    bench('bench-vae-text', 'vae,text', 90, 'VAE encode/decode 512² and the text encoder at batch 2'),
    exactness('fp16', false, 60),
    conformance('fp16', 60),
    exactness('fp32', true, 60),
    demo(true, o.device === 'cpu' ? 150 : 60),
    bench('bench-unet-deterministic', 'unet', 120, 'UNet batch 1/2/4 with deterministic compute: what determinism costs', ['--deterministic']),
  ];
}
