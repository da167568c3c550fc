/**
 * Loading of a Hugging Face tokenizer folder: `vocab.json` + `merges.txt` (slow format) or
 * `tokenizer.json` (fast format), plus the optional `tokenizer_config.json`,
 * `special_tokens_map.json` and `added_tokens.json`.
 */

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { AddedTokenSpec } from './added-tokens.js';
import { isFile, readAddedTokenList, readJson, readJsonObject, readText, readTokenField } from './files.js';
import { DEFAULT_MAX_LENGTH, type ClipTokenizerOptions } from './options.js';
import { describe, isPlainObject, tokenizerError } from './validate.js';

const EXPECT_VOCAB = 'vocab.json: a JSON object mapping token strings to integer ids';
const EXPECT_MERGES = 'merges.txt: a "#version" line, then one merge "a b" per line';
const EXPECT_TOKENIZER_JSON = 'tokenizer.json: a Hugging Face fast tokenizer with a BPE "model" holding "vocab" and "merges"';
const EXPECT_CONFIG = 'tokenizer_config.json: a JSON object (bos_token, eos_token, pad_token, model_max_length...)';
const EXPECT_SPECIAL_MAP = 'special_tokens_map.json: a JSON object of bos_token, eos_token, pad_token, unk_token';
const EXPECT_ADDED = 'added_tokens.json: a JSON object mapping added token strings to ids';
const FOLDER_HINT =
  'Pass the tokenizer/ folder of a diffusers model: vocab.json + merges.txt (or tokenizer.json), optionally tokenizer_config.json and special_tokens_map.json.';

/** `model_max_length` values above this mean "unset" in HF configs (it writes 1e30). */
const MAX_SANE_LENGTH = 1_000_000;

type SpecialName = 'bos_token' | 'eos_token' | 'pad_token' | 'unk_token';
const SPECIAL_NAMES: readonly SpecialName[] = ['bos_token', 'eos_token', 'pad_token', 'unk_token'];

/**
 * Reads a tokenizer folder into {@link ClipTokenizerOptions}. The vocabulary and merges are
 * validated when the tokenizer is built; errors name the file they come from.
 * @throws RepriseError `TOKENIZER_INVALID` for a missing folder, missing files or malformed JSON.
 */
export function loadTokenizerFolder(dir: string): ClipTokenizerOptions {
  if (!existsSync(dir)) throw tokenizerError(`Tokenizer folder ${dir} does not exist.`, FOLDER_HINT);
  if (!statSync(dir).isDirectory()) throw tokenizerError(`Tokenizer folder ${dir} is not a directory.`, FOLDER_HINT);

  const vocabFile = join(dir, 'vocab.json');
  const mergesFile = join(dir, 'merges.txt');
  const fastFile = join(dir, 'tokenizer.json');
  const hasVocab = isFile(vocabFile);
  const hasMerges = isFile(mergesFile);
  const hasFast = isFile(fastFile);
  const fast = hasFast ? readFastTokenizer(fastFile) : undefined;

  let model: ModelOptions;
  if (hasVocab && hasMerges) {
    const vocab = readJson(vocabFile, EXPECT_VOCAB) as ClipTokenizerOptions['vocab'];
    const merges = readText(mergesFile, EXPECT_MERGES).split('\n');
    model = { vocab, merges, sources: { vocab: vocabFile, merges: mergesFile, mergesLineOffset: 1 } };
  } else if (fast !== undefined) {
    model = fast.model;
  } else {
    const missing = [hasVocab ? undefined : vocabFile, hasMerges ? undefined : mergesFile].filter((f) => f !== undefined);
    throw tokenizerError(
      `Tokenizer folder ${dir} is incomplete: missing ${missing.join(' and ')} (and there is no ${fastFile} to use instead).`,
      FOLDER_HINT,
    );
  }

  const addedTokens: AddedTokenSpec[] = [...(fast?.addedTokens ?? [])];
  const specials = new Map<SpecialName, AddedTokenSpec>();
  let maxLength = DEFAULT_MAX_LENGTH;

  const configFile = join(dir, 'tokenizer_config.json');
  if (isFile(configFile)) {
    const config = readJsonObject(configFile, EXPECT_CONFIG);
    readSpecials(config, configFile, specials, addedTokens);
    maxLength = readMaxLength(config.model_max_length, configFile);
    const decoder = config.added_tokens_decoder;
    if (isPlainObject(decoder)) addedTokens.push(...readAddedTokenList(Object.entries(decoder), configFile, 'added_tokens_decoder'));
  }
  // special_tokens_map.json overrides tokenizer_config.json, as in transformers' from_pretrained.
  const mapFile = join(dir, 'special_tokens_map.json');
  if (isFile(mapFile)) readSpecials(readJsonObject(mapFile, EXPECT_SPECIAL_MAP), mapFile, specials, addedTokens);

  const addedFile = join(dir, 'added_tokens.json');
  if (isFile(addedFile)) {
    for (const [content, id] of Object.entries(readJsonObject(addedFile, EXPECT_ADDED))) {
      if (typeof id !== 'number') {
        throw tokenizerError(`Invalid tokenizer file ${addedFile}: token ${JSON.stringify(content)} has id ${describe(id)}.`, `Expected ${EXPECT_ADDED}.`);
      }
      addedTokens.push({ content, id });
    }
  }

  for (const spec of specials.values()) addedTokens.push({ ...spec, special: true });
  const optional = (key: keyof ClipTokenizerOptions, name: SpecialName): Partial<ClipTokenizerOptions> => {
    const content = specials.get(name)?.content;
    return content === undefined ? {} : { [key]: content };
  };
  return {
    ...model,
    maxLength,
    addedTokens,
    ...optional('bosToken', 'bos_token'),
    ...optional('eosToken', 'eos_token'),
    ...optional('padToken', 'pad_token'),
    ...optional('unkToken', 'unk_token'),
  };
}

/** Reads bos/eos/pad/unk and `additional_special_tokens` of a config object into `specials`. */
function readSpecials(config: Record<string, unknown>, file: string, specials: Map<SpecialName, AddedTokenSpec>, added: AddedTokenSpec[]): void {
  for (const name of SPECIAL_NAMES) {
    const spec = readTokenField(config[name], file, name);
    if (spec !== undefined) specials.set(name, spec);
  }
  const extra = config.additional_special_tokens;
  if (Array.isArray(extra)) {
    extra.forEach((value, i) => {
      const spec = readTokenField(value, file, `additional_special_tokens[${i}]`);
      if (spec !== undefined) added.push({ ...spec, special: true });
    });
  }
}

/** Reads `model_max_length`; absent or HF's "unset" value (1e30) gives 77. */
function readMaxLength(value: unknown, file: string): number {
  if (value === undefined || value === null) return DEFAULT_MAX_LENGTH;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2) {
    throw tokenizerError(
      `Invalid tokenizer file ${file}: "model_max_length" is ${JSON.stringify(value)}; expected an integer ≥ 2.`,
      'CLIP text encoders use 77.',
    );
  }
  return value > MAX_SANE_LENGTH ? DEFAULT_MAX_LENGTH : value;
}

/** The model part of {@link ClipTokenizerOptions}, as read from the files. */
type ModelOptions = Pick<ClipTokenizerOptions, 'vocab' | 'merges' | 'sources' | 'endOfWordSuffix'>;

/** Reads the BPE model and added tokens of a `tokenizer.json`. */
function readFastTokenizer(file: string): { model: ModelOptions; addedTokens: AddedTokenSpec[] } {
  const json = readJsonObject(file, EXPECT_TOKENIZER_JSON);
  const model = json.model;
  if (!isPlainObject(model)) {
    throw tokenizerError(`Invalid tokenizer file ${file}: "model" is ${describe(model)}; expected an object.`, `Expected ${EXPECT_TOKENIZER_JSON}.`);
  }
  if (model.type !== undefined && model.type !== 'BPE') {
    throw tokenizerError(
      `Invalid tokenizer file ${file}: model type is ${JSON.stringify(model.type)}; a CLIP tokenizer needs "BPE".`,
      'This is not a CLIP tokenizer; use the tokenizer/ folder of a Stable Diffusion model.',
    );
  }
  if (!Array.isArray(model.merges)) {
    throw tokenizerError(`Invalid tokenizer file ${file}: "model.merges" is ${describe(model.merges)}; expected an array.`, `Expected ${EXPECT_TOKENIZER_JSON}.`);
  }
  const addedRaw = json.added_tokens ?? [];
  if (!Array.isArray(addedRaw)) {
    throw tokenizerError(`Invalid tokenizer file ${file}: "added_tokens" is ${describe(addedRaw)}; expected an array.`, `Expected ${EXPECT_TOKENIZER_JSON}.`);
  }
  const suffix = model.end_of_word_suffix;
  return {
    model: {
      // model.vocab is validated (and reported with this source name) when the tokenizer is built.
      vocab: model.vocab as ClipTokenizerOptions['vocab'],
      merges: model.merges as ClipTokenizerOptions['merges'],
      sources: { vocab: `${file} (model.vocab)`, merges: `${file} (model.merges)` },
      ...(typeof suffix === 'string' && suffix.length > 0 ? { endOfWordSuffix: suffix } : {}),
    },
    addedTokens: readAddedTokenList(
      addedRaw.map((entry: unknown): [undefined, unknown] => [undefined, entry]),
      file,
      'added_tokens',
    ),
  };
}
