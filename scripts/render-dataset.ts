/**
 * Renders the training set of the demo model (training/README.md): `--count` random scenes from
 * seeds `--first … --first+count-1`, 64×64 RGB, each with its caption in four variants (plain,
 * sizes, positions, sizes + positions) tokenized by the scene tokenizer, written xz-compressed:
 *
 *   <out>/images.u8.xz   count × 64 × 64 × 3 bytes (row-major, RGB)
 *   <out>/ids.u16.xz     count × 4 × 77 little-endian uint16 token ids
 *   <out>/flags.u8.xz    count bytes: bit 0 = may be mirrored left↔right (no diagonal stripes)
 *   <out>/meta.json      counts, seeds, variant order, special ids, the left/right token ids
 *   <out>/tokenizer/     the tokenizer folder the ids come from
 *
 * Usage: npx tsx scripts/render-dataset.ts --out training/data/scenes [--count 120000] [--first 0]
 * Needs the `xz` command (Debian package xz-utils). Seeds of the evaluation scripts start at
 * 1,000,000, so training and evaluation scenes never share a seed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { randomScene, renderScene, sceneCaption, SCENE_CAPTION_WORDS, writeSceneTokenizer, type CaptionOptions } from '../tools/scenes/index.js';
import { ClipTokenizer } from '../src/tokenizer/clip-tokenizer.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, count: { type: 'string', default: '120000' }, first: { type: 'string', default: '0' } } });
if (values.out === undefined) {
  console.error('usage: render-dataset --out DIR [--count N] [--first SEED]');
  process.exit(2);
}
const out = path.resolve(values.out);
const count = Number(values.count);
const first = Number(values.first);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(first) || first < 0 || first + count > 1_000_000) {
  console.error('--count must be a positive integer and seeds must stay below 1,000,000 (evaluation seeds start there)');
  process.exit(2);
}
const SIZE = 64;
const VARIANTS: readonly CaptionOptions[] = [{}, { sizes: true }, { positions: true }, { sizes: true, positions: true }];

fs.mkdirSync(out, { recursive: true });
writeSceneTokenizer(path.join(out, 'tokenizer'));
const tokenizer = ClipTokenizer.fromFolder(path.join(out, 'tokenizer'));
for (const w of SCENE_CAPTION_WORDS) {
  const ids = tokenizer.encode(w).inputIds;
  if (ids[2] !== tokenizer.eosTokenId) throw new Error(`caption word "${w}" is not a single token`);
}
const idOf = (w: string): number => tokenizer.encode(w).inputIds[1] as number;

const images = new Uint8Array(count * SIZE * SIZE * 3);
const ids = new Uint16Array(count * VARIANTS.length * 77);
const flags = new Uint8Array(count);
const t0 = Date.now();
for (let i = 0; i < count; i++) {
  const spec = randomScene(first + i, { size: SIZE });
  images.set(renderScene(spec, SIZE).image.data, i * SIZE * SIZE * 3);
  VARIANTS.forEach((caption, v) => {
    const enc = tokenizer.encode(sceneCaption(spec, caption)).inputIds;
    for (let k = 0; k < 77; k++) ids[(i * VARIANTS.length + v) * 77 + k] = enc[k] as number;
  });
  flags[i] = spec.background.texture === 'stripes' ? 0 : 1;
  if ((i + 1) % 10000 === 0) console.error(`${i + 1}/${count} scenes, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
function writeXz(name: string, data: Uint8Array): void {
  const file = path.join(out, name);
  fs.writeFileSync(`${file}.tmp`, execFileSync('xz', ['-9', '-T2', '-c'], { input: data, maxBuffer: 1 << 30 }));
  fs.renameSync(`${file}.tmp`, file);
}
writeXz('images.u8.xz', images);
writeXz('ids.u16.xz', new Uint8Array(ids.buffer));
writeXz('flags.u8.xz', flags);
const uncond = tokenizer.encode('').inputIds;
fs.writeFileSync(
  path.join(out, 'meta.json'),
  `${JSON.stringify({ count, first, size: SIZE, variants: VARIANTS, uncondIds: uncond, vocabSize: Object.keys(JSON.parse(fs.readFileSync(path.join(out, 'tokenizer', 'vocab.json'), 'utf8')) as object).length, bosId: tokenizer.bosTokenId, eosId: tokenizer.eosTokenId, leftId: idOf('left'), rightId: idOf('right') }, null, 2)}\n`,
);
console.error(`wrote ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
