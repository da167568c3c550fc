/** The table of `reprise bench`. */
import { z } from 'zod';
import { defineCommand } from './define.js';

/** Defaults of the bench numbers. */
export const BENCH_DEFAULTS = { runs: 20, warmup: 3, steps: 50 } as const;

export const BENCH_TABLE = defineCommand({
  name: 'bench',
  summary: 'time SD 1.5-size graphs (UNet, controlled UNet, VAE, text encoder)',
  positionals: [],
  description: `Times SD 1.5-architecture graphs with random weights (speed does not depend on weight values):
UNet at batch 1, 2, 4; the attention-controlled UNet at batch 4 and 6; VAE encode/decode at 512²;
the text encoder at batch 2; an end-to-end EF-DDPM inversion + prompt-to-prompt edit
(--steps each) at 512² with images/minute. Prints one JSON object per line with --json (median of N runs, wall
clock around each onnxruntime run, host↔device copies included), and ratios to the H100 anchors
of docs/design.md §8 (ratio < 1 = faster than the anchor). Defaults: cuda → fp16 fused; cpu → fp32.
--deterministic sets onnxruntime's deterministic compute (to measure what it costs).

\`reprise bench batch --queue URL ...\` times batch items: local runner vs queue workers (see its --help).`,
  flags: [
    { name: 'device', type: 'string', value: 'cpu|cuda|cuda:N', default: 'cpu', help: 'execution device' },
    { name: 'size', type: 'choice', choices: ['sd15', 'tiny'], default: 'sd15', help: 'SD 1.5-size graphs, or tiny ones for a smoke run' },
    { name: 'dtype', type: 'choice', choices: ['fp16', 'fp32'], default: 'fp16 on cuda, fp32 on cpu', help: 'precision' },
    { name: 'lowering', type: 'choice', choices: ['fused', 'reference'], default: 'fused on cuda, reference on cpu', help: 'attention lowering' },
    { name: 'runs', type: 'number', schema: z.number().int().min(1), default: String(BENCH_DEFAULTS.runs), help: 'timed runs of each graph (the median is reported)' },
    { name: 'warmup', type: 'number', schema: z.number().int().min(0), default: String(BENCH_DEFAULTS.warmup), help: 'untimed runs first' },
    { name: 'only', type: 'string', value: 'unet,controlled,vae,text,edit', help: 'time only these (comma-separated)' },
    { name: 'steps', type: 'number', schema: z.number().int().min(1), default: String(BENCH_DEFAULTS.steps), help: 'steps of the end-to-end inversion and edit' },
    { name: 'deterministic', type: 'boolean', help: "onnxruntime's deterministic compute" },
    { name: 'json', type: 'boolean', help: 'one JSON object per line' },
  ],
  examples: ['bench --device cuda --json', 'bench --device cpu --size tiny --runs 3'],
});
