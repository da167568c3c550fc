/**
 * Generate an image from a prompt together with its exact record (the sampler's own starting
 * latent and noise — no inversion needed), check the record regenerates the image bit for bit,
 * save and reload the record, then edit the generated image with prompt-to-prompt: the setting
 * of the original prompt-to-prompt paper.
 *
 *   npx tsx examples/generate-and-edit.ts [--out DIR] [--model DIR]
 *
 * Throws when a regenerated image differs from the generated one, or the edit changes nothing.
 */
import * as path from 'node:path';
import { loadInversion, saveInversion } from '../src/index.js';
import { compareImages, describeComparison, loadPipeline, runIfMain, savePng, type ExampleOptions } from './common.js';

export interface GenerateAndEditResult {
  /** Per sampler: whether the record regenerated the image bit for bit. */
  readonly samplers: readonly { readonly method: string; readonly identical: boolean }[];
  readonly editChangedSamples: number;
}

export async function main(options: ExampleOptions): Promise<GenerateAndEditResult> {
  const log = options.log ?? console.log;
  const pipe = await loadPipeline(options.model);
  const prompt = 'a red circle and a blue square on a yellow background';
  const samplers: { method: string; identical: boolean }[] = [];

  // DDIM: the record is z_T; EF-DDPM: z_T and every noise map; BDIA: the last latent pair.
  for (const method of ['ddim', 'ef-ddpm', 'bdia'] as const) {
    const g = await pipe.generate(prompt, { seed: 7, steps: 20, method });
    const again = await pipe.reconstruct(g.inversion);
    const c = compareImages(again.image, g.image);
    samplers.push({ method, identical: c.identical });
    await savePng(options.out, `generated-${method}.png`, g.image);
    log(`generate (${method}, ${g.image.width}×${g.image.height}): regenerated from its record: ${describeComparison(c)}`);
  }
  const failed = samplers.filter((s) => !s.identical);
  if (failed.length > 0) throw new Error(`the record did not regenerate the image for ${failed.map((s) => s.method).join(', ')}`);

  // Records are files: save, load (checked against this model), edit.
  const g = await pipe.generate(prompt, { seed: 7, steps: 20, method: 'ddim' });
  const file = path.join(options.out, 'generated-ddim.safetensors');
  saveInversion(file, g.inversion);
  const record = loadInversion(file, { modelId: pipe.modelId() });
  const edit = await pipe.edit(record, {
    prompt: 'a red circle and a blue box', // word swap: "square" → "box"
    attention: { crossReplace: 0.8, selfReplace: 0.4 },
  });
  const edited = edit.images[0];
  if (!edited) throw new Error('the edit returned no image');
  const changed = compareImages(edited, g.image);
  const source = compareImages(edit.source, g.image);
  await savePng(options.out, 'edited.png', edited);
  log(`edit "square" → "box": ${changed.differing} of ${changed.samples} samples changed; source branch ${describeComparison(source)}`);
  if (changed.identical) throw new Error('the edit left the generated image unchanged');
  if (!source.identical) throw new Error('the source branch of the edit did not regenerate the generated image');
  return { samplers, editChangedSamples: changed.differing };
}

runIfMain(import.meta.url, main);
