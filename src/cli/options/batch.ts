/** The table of `reprise batch` (local runner). */
import { JOB_LIMITS } from '../../editing/batch/limits.js';
import { jobFileStructureSchema } from '../../editing/batch/job-schema.js';
import { batchEditOptionsSchema, INVERSION_KEYS } from '../../editing/batch-pipeline.js';
import { attentionOptionsSchema } from '../../editing/options.js';
import { jsonFlag, MODEL_FLAG, RUNTIME_FLAGS } from './common.js';
import { defineCommand } from './define.js';
import { wrapParagraph } from './help.js';

const editKeys = Object.keys(batchEditOptionsSchema.shape);
const inversionKeys: readonly string[] = INVERSION_KEYS;
const EDIT_OPTIONS = wrapParagraph(
  `Edit options: ${inversionKeys.join(', ')} (inversion: the same for every edit, set them in defaults), ` +
    editKeys
      .filter((k) => !inversionKeys.includes(k))
      .map((k) => (k === 'attention' ? `attention { ${Object.keys(attentionOptionsSchema.shape).join(', ')} }` : k))
      .join(', ') +
    '.',
);

export const BATCH_TABLE = defineCommand({
  name: 'batch',
  summary: 'run a job file of inputs × edits (resumable, HTML report; --queue: on Redis)',
  positionals: [{ name: '<job.yaml|job.json>', help: 'the job file (docs/batch.md)' }],
  description: `Runs a job file: every input image × every edit. Each input is inverted once; each item writes
<output>/<input>/<edit>.png and <edit>.attn.png (attention maps), each input
<input>/_source.png, _inversion.safetensors and _reconstruction.png; report.html shows them all.
The job file is checked in full before anything runs (every problem listed, exit 2). One failing
item never stops the others (exit 1 at the end). Finished items are recorded in
<output>/.reprise-manifest.json: run the same command again to resume — done items whose input,
prompts, options and model are unchanged are skipped.

Ctrl-C stops cleanly (running items stop at their next step; exit 130; rerun to resume); a second
Ctrl-C exits immediately. Outputs are written atomically, never half-written.
Job files are bounded: ${JOB_LIMITS.fileBytes / 1024 / 1024} MiB, ${JOB_LIMITS.depth} levels, ${JOB_LIMITS.aliases} YAML aliases, ${JOB_LIMITS.inputs} input files, ${JOB_LIMITS.edits} edits,
${JOB_LIMITS.items} items (docs/batch.md, "Guarantees and limits"); over a limit: exit 2, saying how to split.
Many machines: --queue redis://HOST:PORT puts the items on a queue for \`reprise worker\`
(see \`reprise batch --queue URL --help\`).

Job file (YAML or JSON):
  version: 1
  model: ./models/sd15            # or --model
  output: ./out                   # or --output
  concurrency: 1
  prompt: "a cat on a bench"      # source prompt of inputs without their own
  defaults: { method: ef-ddpm, steps: 50, attention: { crossReplace: 0.8, selfReplace: 0.4 } }
  inputs: [ "photos/*.jpg", { path: dog.png, prompt: "a dog on the grass" } ]
  edits:
    - { name: tiger, prompt: "a tiger on a bench" }
    - { name: red, prompt: "a cat on a red bench", attention: { localBlend: [bench] } }
${EDIT_OPTIONS}`,
  flags: [
    { ...MODEL_FLAG, required: false, help: `${MODEL_FLAG.help}; overrides the job's model` },
    ...RUNTIME_FLAGS,
    { name: 'output', type: 'string', value: '<dir>', help: "output folder (overrides the job's output; relative to the current folder)" },
    { name: 'concurrency', type: 'number', schema: jobFileStructureSchema.shape.concurrency, default: "the job's concurrency", help: "items run at once (overrides the job's concurrency)" },
    { name: 'no-resume', type: 'boolean', help: 'redo every item, even those already done' },
    jsonFlag('progress events as JSON lines on stdout, the summary last'),
  ],
  examples: ['batch job.yaml', 'batch job.yaml --model models/sd15 --output runs/today --concurrency 2 --json'],
  epilog: `Exit codes: 0 every item done, 1 some item failed (the others ran), 2 bad flags or job file,
130 interrupted (rerun to resume), 3 internal error.`,
});
