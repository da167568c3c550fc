/**
 * Runs every example in turn on the embedded default model and stops at the first failure
 * (exit status 1). Outputs go to `examples-output/<example>/` (or `--out DIR/<example>/`).
 *
 *   npm run examples [-- --out DIR] [--model DIR]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ExampleOptions } from './common.js';
import { main as invertReconstruct } from './invert-reconstruct.js';
import { main as promptToPrompt } from './prompt-to-prompt.js';
import { main as generateAndEdit } from './generate-and-edit.js';
import { main as batchJob } from './batch-job.js';

/** Every example, in the order they are run (and listed in the README). */
export const EXAMPLES: readonly { readonly name: string; readonly main: (o: ExampleOptions) => Promise<unknown> }[] = [
  { name: 'invert-reconstruct', main: invertReconstruct },
  { name: 'prompt-to-prompt', main: promptToPrompt },
  { name: 'generate-and-edit', main: generateAndEdit },
  { name: 'batch-job', main: batchJob },
];

async function runAll(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'examples-output' }, model: { type: 'string' } } });
  for (const example of EXAMPLES) {
    const out = path.join(values.out, example.name);
    console.log(`── ${example.name} (outputs in ${out})`);
    const t0 = performance.now();
    try {
      await example.main({ out, ...(values.model !== undefined ? { model: values.model } : {}), log: (line) => console.log(`   ${line}`) });
    } catch (e) {
      console.error(`✘ ${example.name} FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    console.log(`✔ ${example.name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(`all ${EXAMPLES.length} examples passed`);
  return 0;
}

runAll().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
