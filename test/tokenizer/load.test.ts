import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { RepriseError } from '../../src/errors.js';
import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { buildTinyFiles, tinyFixtureDir } from './helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'reprise-tokenizer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folderCount = 0;
/** Writes a tokenizer folder with the given files (name → content) and returns its path. */
function folder(files: Record<string, string>): string {
  const dir = path.join(root, `t${folderCount++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** vocab.json and merges.txt contents: the golden fixture's when present, else the self-built ones. */
const source: { vocab: string; merges: string } = (() => {
  if (tinyFixtureDir !== undefined) {
    return {
      vocab: readFileSync(path.join(tinyFixtureDir, 'vocab.json'), 'utf8'),
      merges: readFileSync(path.join(tinyFixtureDir, 'merges.txt'), 'utf8'),
    };
  }
  console.warn('[tokenizer] golden fixture not found: tokenizer.json loading is checked against the self-built vocabulary.');
  const built = buildTinyFiles();
  return { vocab: JSON.stringify(built.vocab), merges: `${built.merges.join('\n')}\n` };
})();
const vocab = JSON.parse(source.vocab) as Record<string, number>;
const mergeLines = source.merges.split('\n').filter((l) => l !== '' && !l.startsWith('#version'));

const TEXTS = [
  'a photo of a cat sitting on the bench',
  'A  Photo of a DOG!!',
  'watercolor painting of a red car, 4k',
  "it's a house — naïve café 😀",
  'cat <|endoftext|> tree',
  Array.from({ length: 90 }, () => 'fluffy').join(' '),
  '',
];

/** A tokenizer.json as transformers writes it for CLIP. */
function tokenizerJson(merges: unknown[]): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 575, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 576, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, vocab, merges },
  });
}

/** Asserts that `fn` throws a TOKENIZER_INVALID RepriseError whose message contains every `parts`. */
function expectTokenizerError(fn: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RepriseError);
  const error = caught as RepriseError;
  expect(error.code).toBe('TOKENIZER_INVALID');
  expect(error.hint).toBeTruthy();
  for (const part of parts) expect(error.message).toContain(part);
}

describe('ClipTokenizer.fromFolder', () => {
  const reference = ClipTokenizer.fromFolder(folder({ 'vocab.json': source.vocab, 'merges.txt': source.merges }));

  it('loads vocab.json + merges.txt with CLIP defaults', () => {
    expect([reference.bosTokenId, reference.eosTokenId, reference.padTokenId, reference.unkTokenId]).toEqual([575, 576, 576, 576]);
    expect(reference.maxLength).toBe(77);
    expect(reference.vocabSize).toBe(577);
  });

  it.each([
    ['string merges', mergeLines],
    ['pair merges', mergeLines.map((l) => l.split(' '))],
  ])('loads tokenizer.json with %s and gives identical ids', (_name, merges) => {
    const fast = ClipTokenizer.fromFolder(folder({ 'tokenizer.json': tokenizerJson(merges) }));
    expect(fast.vocabSize).toBe(reference.vocabSize);
    for (const text of TEXTS) {
      expect(fast.tokenize(text)).toEqual(reference.tokenize(text));
      expect(fast.encode(text).inputIds).toEqual(reference.encode(text).inputIds);
    }
  });

  it('prefers vocab.json + merges.txt over tokenizer.json', () => {
    const dir = folder({ 'vocab.json': source.vocab, 'merges.txt': source.merges, 'tokenizer.json': tokenizerJson([]) });
    expect(ClipTokenizer.fromFolder(dir).tokenize('painting')).toEqual(['pain', 'ti', 'n', 'g</w>']);
  });

  it('reads special tokens (strings or {content} objects) and model_max_length from tokenizer_config.json', () => {
    const config = {
      bos_token: { __type: 'AddedToken', content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
      eos_token: { content: '<|endoftext|>' },
      pad_token: '!',
      model_max_length: 16,
    };
    const tok = ClipTokenizer.fromFolder(folder({ 'tokenizer.json': tokenizerJson(mergeLines), 'tokenizer_config.json': JSON.stringify(config) }));
    expect(tok.padTokenId).toBe(0);
    expect(tok.maxLength).toBe(16);
    const encoding = tok.encode('a cat');
    expect(encoding.inputIds).toEqual([575, vocab['a</w>'], vocab['cat</w>'], 576, ...Array.from({ length: 12 }, () => 0)]);
    expect(tok.encodeBatch(['a cat', 'dog'])).toHaveLength(32);
  });

  it('lets special_tokens_map.json override tokenizer_config.json, and treats 1e30 as unset', () => {
    const dir = folder({
      'vocab.json': source.vocab,
      'merges.txt': source.merges,
      'tokenizer_config.json': JSON.stringify({ pad_token: '<|endoftext|>', model_max_length: 1e30 }),
      'special_tokens_map.json': JSON.stringify({ pad_token: { content: '!', normalized: false }, unk_token: '<|endoftext|>' }),
    });
    const tok = ClipTokenizer.fromFolder(dir);
    expect(tok.padTokenId).toBe(0);
    expect(tok.maxLength).toBe(77);
  });

  it('reads added tokens from added_tokens.json', () => {
    const dir = folder({ 'vocab.json': source.vocab, 'merges.txt': source.merges, 'added_tokens.json': JSON.stringify({ '<cat-toy>': 577 }) });
    expect(ClipTokenizer.fromFolder(dir).tokenize('a <cat-toy>')).toEqual(['a</w>', '<cat-toy>']);
  });
});

describe('tokenizer errors', () => {
  it('reports a missing folder', () => {
    const missing = path.join(root, 'does-not-exist');
    expectTokenizerError(() => ClipTokenizer.fromFolder(missing), missing, 'does not exist');
  });

  it('reports a path that is a file', () => {
    const dir = folder({ 'vocab.json': source.vocab });
    expectTokenizerError(() => ClipTokenizer.fromFolder(path.join(dir, 'vocab.json')), 'vocab.json', 'not a directory');
  });

  it('reports missing merges', () => {
    const dir = folder({ 'vocab.json': source.vocab });
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), path.join(dir, 'merges.txt'), 'missing', 'tokenizer.json');
  });

  it('reports an empty folder, naming both files', () => {
    const dir = folder({});
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), 'vocab.json', 'merges.txt');
  });

  it('reports invalid vocab JSON', () => {
    const dir = folder({ 'vocab.json': '{"a": 1,', 'merges.txt': source.merges });
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), path.join(dir, 'vocab.json'), 'Invalid JSON');
  });

  it('reports a vocab that is not an object of ids', () => {
    const arrayDir = folder({ 'vocab.json': '["a", "b"]', 'merges.txt': source.merges });
    expectTokenizerError(() => ClipTokenizer.fromFolder(arrayDir), 'vocab.json', 'expected a JSON object');
    const badIdDir = folder({ 'vocab.json': '{"a": "one"}', 'merges.txt': source.merges });
    expectTokenizerError(() => ClipTokenizer.fromFolder(badIdDir), 'vocab.json', '"a"', 'non-negative integer');
  });

  it('reports merges that do not fit the vocabulary, with the line number', () => {
    const dir = folder({ 'vocab.json': source.vocab, 'merges.txt': '#version: 0.2\np h\nq zz\n' });
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), 'merges.txt', 'line 3', '"zz"');
    const malformed = folder({ 'vocab.json': source.vocab, 'merges.txt': '#version: 0.2\np h x\n' });
    expectTokenizerError(() => ClipTokenizer.fromFolder(malformed), 'merges.txt', 'line 2');
  });

  it('reports a tokenizer.json that is not a BPE tokenizer', () => {
    const dir = folder({ 'tokenizer.json': JSON.stringify({ model: { type: 'WordPiece', vocab } }) });
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), 'tokenizer.json', 'WordPiece');
    const noModel = folder({ 'tokenizer.json': JSON.stringify({ added_tokens: [] }) });
    expectTokenizerError(() => ClipTokenizer.fromFolder(noModel), 'tokenizer.json', '"model"');
  });

  it('reports a malformed tokenizer_config.json', () => {
    const dir = folder({ 'vocab.json': source.vocab, 'merges.txt': source.merges, 'tokenizer_config.json': '{ nope' });
    expectTokenizerError(() => ClipTokenizer.fromFolder(dir), 'tokenizer_config.json', 'Invalid JSON');
    const badField = folder({ 'vocab.json': source.vocab, 'merges.txt': source.merges, 'tokenizer_config.json': '{"pad_token": 3}' });
    expectTokenizerError(() => ClipTokenizer.fromFolder(badField), 'tokenizer_config.json', 'pad_token');
  });

  it('reports special tokens missing from the vocabulary', () => {
    const { vocab: v, merges } = buildTinyFiles();
    delete v['<|startoftext|>'];
    expectTokenizerError(() => ClipTokenizer.fromFiles({ vocab: v, merges }), '<|startoftext|>', 'not in the vocabulary');
    expectTokenizerError(() => ClipTokenizer.fromFiles({ ...buildTinyFiles(), padToken: '<pad>' }), '<pad>');
  });

  it('reports an unusable maxLength', () => {
    expectTokenizerError(() => ClipTokenizer.fromFiles({ ...buildTinyFiles(), maxLength: 1 }), 'maxLength');
  });
});
