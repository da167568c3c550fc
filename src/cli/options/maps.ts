/** The table of `reprise maps`. */
import { attentionOptionsSchema } from '../../editing/options.js';
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';
import { INVERSION_GROUP, inversionFlags } from './inversion.js';

export const MAPS_TABLE = defineCommand({
  name: 'maps',
  summary: "cross-attention heatmaps of the source prompt's words",
  positionals: [{ name: '<image|inv.safetensors>', help: 'an image (inverted first, with the inversion flags) or an inversion record' }],
  description: `Shows where each word of the source prompt attends: regenerates the image from its inversion
(an image is inverted first with the inversion flags; a record from \`reprise invert\` is used as
is) while recording the cross-attention maps, and writes a labelled grid of the image and one
heatmap per prompt token. With --tokens-dir, also one overlay per token:
<DIR>/<position>-<token>.png.`,
  flags: [
    ...MODEL_FLAGS,
    { name: 'out', short: 'o', type: 'string', value: '<file>', default: '<input name>.maps.png in the current folder', help: 'the grid PNG' },
    { name: 'tokens-dir', type: 'string', value: '<dir>', help: "also write each token's overlay into this folder (created if missing)" },
    { name: 'resolution', type: 'number', schema: attentionOptionsSchema.shape.resolution, default: '16, or the nearest available', help: 'attention map side kept' },
    jsonFlag('print one JSON object with the result (progress stays on stderr)'),
    ...inversionFlags('guidance', INVERSION_GROUP),
  ],
  examples: ['maps cat.jpg --model models/sd15 --prompt "a cat on a bench"', 'maps cat.inv.safetensors -m models/sd15 --out cat-maps.png --tokens-dir cat-tokens --json'],
});
