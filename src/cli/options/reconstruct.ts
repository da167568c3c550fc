/** The table of `reprise reconstruct`. */
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';

export const RECONSTRUCT_TABLE = defineCommand({
  name: 'reconstruct',
  summary: "regenerate a record's image (bit-identical with the residual)",
  positionals: [{ name: '<inv.safetensors>', help: 'an inversion record from `reprise invert` or `reprise generate`' }],
  description: `Regenerates the image of an inversion record (from \`reprise invert\`). With the residual (the
default of \`reprise invert\`) the pixels are bit-identical to the inverted image: they are checked
against the record's checksum of the inverted image, and a mismatch is an error (exit 1; the
image is still written). PNG output carries text metadata: prompt, method, steps, seed, reprise version.`,
  flags: [
    ...MODEL_FLAGS,
    { name: 'out', short: 'o', type: 'string', value: '<file>', default: '<record name>.reconstruction.png in the current folder', help: 'the image, .png (lossless), .jpg or .webp' },
    jsonFlag('print one JSON object with the result (progress stays on stderr)'),
  ],
  examples: ['reconstruct cat.inv.safetensors --model models/sd15', 'reconstruct cat.inv.safetensors -m models/sd15 --out same-cat.png --json'],
});
