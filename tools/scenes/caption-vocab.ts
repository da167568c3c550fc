/**
 * The closed vocabulary of scene captions, as a CLIP BPE tokenizer folder: every caption word is
 * one whole token, so a model trained on rendered scenes (training/) sees one token per word and
 * prompt-to-prompt edits swap exactly one token per swapped word.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWordVocab, type WordVocabFiles } from '../../src/tokenizer/word-vocab.js';
import { COLOUR_NAMES, POSITIONS, SHAPE_NAMES, SIZE_NAMES, TEXTURE_ADJECTIVE } from './vocabulary.js';

/**
 * Every word a scene caption can contain, longest first: the word-level BPE gives earlier words'
 * merges priority, and a short word's merge must not split a longer word into pieces.
 */
export const SCENE_CAPTION_WORDS: readonly string[] = [
  ...new Set([
    'a', 'an', 'and', 'on', 'in', 'at', 'the', 'background',
    ...COLOUR_NAMES,
    ...SHAPE_NAMES,
    ...SIZE_NAMES,
    ...Object.values(TEXTURE_ADJECTIVE).filter((w): w is string => w !== undefined),
    ...Object.values(POSITIONS).flatMap((p) => p.phrase.split(' ')),
  ]),
].sort((a, b) => b.length - a.length || a.localeCompare(b));

/** The BPE vocabulary and merges of {@link SCENE_CAPTION_WORDS}. */
export function sceneVocab(): WordVocabFiles {
  return buildWordVocab(SCENE_CAPTION_WORDS, { wholeWords: true });
}

/**
 * Writes a diffusers `tokenizer/` folder (vocab.json, merges.txt, tokenizer_config.json,
 * special_tokens_map.json) for scene captions into `dir`; pad is `<|endoftext|>` as in SD 1.x.
 */
export function writeSceneTokenizer(dir: string): void {
  const { vocab, merges } = sceneVocab();
  fs.mkdirSync(dir, { recursive: true });
  const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  fs.writeFileSync(path.join(dir, 'vocab.json'), `${JSON.stringify(vocab)}\n`);
  fs.writeFileSync(path.join(dir, 'merges.txt'), `${merges.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify({ model_max_length: 77, do_lower_case: true, ...special }, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), `${JSON.stringify(special, null, 2)}\n`);
}
