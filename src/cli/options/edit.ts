/** The table of `reprise edit`. */
import type { UserMask } from '../../attention/local-blend.js';
import { attentionOptionsSchema, editOptionsSchema } from '../../editing/options.js';
import { inversionMethods } from '../../inversion/registry.js';
import { guidanceDefault, jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';
import { GENERATE_SCHEDULERS } from './generate.js';
import { INVERSION_GROUP, inversionFlags } from './inversion.js';

const MASK_MODES = ['replace', 'union', 'intersect'] as const satisfies readonly UserMask['mode'][];
const attention = attentionOptionsSchema.shape;
/** Methods whose records' target branches take any solver. */
const ANY_SOLVER = inversionMethods()
  .filter((s) => s.solvers === 'any')
  .map((s) => s.name)
  .join('/');

const SCHEDULER_HELP: string = `${ANY_SOLVER} records: the solver of the target branches; the source keeps DDIM; other methods keep their own rule and refuse it`;

export const EDIT_TABLE = defineCommand({
  name: 'edit',
  summary: 'edit toward target prompts (prompt-to-prompt), one PNG per target',
  positionals: [{ name: '<image|inv.safetensors>', help: 'an image (inverted first, with the inversion flags) or an inversion record' }],
  description: `Edits an image toward one or several target prompts in one pass (prompt-to-prompt attention
control on an exact inversion). The input is an image (inverted first, with the inversion flags)
or an inversion record from \`reprise invert\` (its prompt, method and steps are fixed).
Writes one PNG per target into --out-dir: <input name>.<k>.png (k = 1, 2, … in --target order),
or <input name>.<target prompt>.png with --name-by-target. PNG text metadata: prompt, source
prompt, method, steps, seed, guidance, reprise version.`,
  flags: [
    ...MODEL_FLAGS,
    { name: 'target', short: 't', type: 'string', value: '<prompt>', multiple: true, required: true, help: 'a target prompt' },
    { name: 'guidance', type: 'number', schema: editOptionsSchema.shape.guidance, default: guidanceDefault('edit'), help: 'target guidance' },
    {
      name: 'scheduler',
      type: 'choice',
      choices: GENERATE_SCHEDULERS,
      value: '<name>',
      help: SCHEDULER_HELP,
    },
    { name: 'karras', type: 'boolean', help: 'Karras σ placement for --scheduler' },
    { name: 'cross-replace', type: 'number', schema: attention.crossReplace, value: '<f>', help: 'fraction of the steps whose cross-attention is replaced' },
    { name: 'self-replace', type: 'number', schema: attention.selfReplace, value: '<f>', help: 'fraction of the steps whose self-attention is replaced' },
    { name: 'edit', type: 'choice', schema: attention.edit, value: '<mode>', help: 'replace (same word count), refine (words added/removed), auto (replace when the word counts match) or none' },
    { name: 'reweight', type: 'string', value: '<w=x>', multiple: true, help: 'scale the attention of word w by x, e.g. --reweight fluffy=2' },
    { name: 'blend', type: 'string', value: '<word>', multiple: true, help: 'local blend: only the region of these words (source or target) changes' },
    { name: 'mask', type: 'string', value: '<image>', help: 'a mask (input size, white = edit) restricting the local blend; needs --blend' },
    { name: 'mask-mode', type: 'choice', choices: MASK_MODES, value: '<m>', default: 'replace', help: 'how the mask combines with the attention mask' },
    { name: 'out-dir', type: 'string', value: '<dir>', default: 'the current folder; created if missing', help: 'output folder' },
    { name: 'name-by-target', type: 'boolean', help: 'name outputs after the target prompts instead of 1, 2, …' },
    { name: 'maps', type: 'boolean', help: "also write each target's cross-attention maps: <output name>.maps.png" },
    { name: 'save-inversion', type: 'string', value: '<f>', help: 'when inverting an image, also save the record (to edit again without inverting)' },
    jsonFlag('print one JSON object with the result (progress stays on stderr)'),
    ...inversionFlags('source-guidance', INVERSION_GROUP),
  ],
  examples: [
    'edit cat.jpg -m models/sd15 -p "a cat on a bench" -t "a dog on a bench" -t "a fox on a bench"',
    'edit cat.inv.safetensors -m models/sd15 -t "a cat on a red bench" --blend bench --maps --out-dir edits',
    'edit cat.jpg -m models/sd15 -p "a cat" -t "a fluffy cat" --edit refine --reweight fluffy=2 --json',
  ],
});
