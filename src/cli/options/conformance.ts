/** The table of `reprise conformance`. */
import { RUNTIME_FLAGS } from './common.js';
import { defineCommand } from './define.js';

export const CONFORMANCE_TABLE = defineCommand({
  name: 'conformance',
  summary: 'compare the model builders with reference outputs',
  positionals: [{ name: '<folder>', help: 'reference outputs, laid out like shared/fixtures/reference' }],
  description: `Runs every component found in <folder> (laid out like shared/fixtures/reference: UNet, VAE and
text-encoder folders with reference.safetensors, tokenizer folders with reference.json, and
schedulers*.json files) and compares it with the reference outputs.

Prints one line per component (one JSON object per line with --json). Exit code 0 when every
component is within tolerance (fp32: 1e-4 max relative error, fp16: 1e-2; tokenizer ids
identical; scheduler sums 1e-5), 1 otherwise, 2 on a usage error.`,
  flags: [...RUNTIME_FLAGS.map((f) => (f.name === 'dtype' ? { ...f, default: 'fp32' } : f)), { name: 'json', type: 'boolean', help: 'one JSON object per component' }],
  examples: ['conformance ../shared/fixtures/reference --json', 'conformance ../shared/fixtures/reference --device cuda --dtype fp16'],
});
