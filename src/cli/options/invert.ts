/** The table of `reprise invert`. */
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';
import { inversionFlags } from './inversion.js';

export const INVERT_TABLE = defineCommand({
  name: 'invert',
  summary: 'invert an image into an inversion record (.inv.safetensors)',
  positionals: [{ name: '<image>', help: 'the image: PNG, JPEG, WebP, GIF, BMP or TIFF' }],
  description: `Inverts an image (PNG, JPEG, WebP, GIF, BMP, TIFF) into an inversion record: one .safetensors
file holding everything needed to regenerate it (bit-identical with the residual, the default)
or to edit it with \`reprise edit\`. The record only works with the model it was made with.`,
  flags: [
    ...MODEL_FLAGS,
    ...inversionFlags('guidance'),
    { name: 'out', short: 'o', type: 'string', value: '<file>', default: '<image name>.inv.safetensors in the current folder', help: 'the record' },
    jsonFlag('print one JSON object with the result (progress stays on stderr)'),
  ],
  examples: [
    'invert cat.jpg --model models/sd15 --prompt "a cat on a bench"',
    'invert cat.jpg -m models/sd15 -p "a cat" --method bdia --steps 30 --out cat-bdia.inv.safetensors --json',
    'invert cat.jpg -m models/sd15 -p "a cat" --method edict --p 0.9',
  ],
});
