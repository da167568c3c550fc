import { describe, expect, it } from 'vitest';

import { byteLevelAlphabet, fromByteLevel, normalizeClipText, preTokenizeClip, toByteLevel } from '../../src/tokenizer/index.js';

describe('byte-level alphabet', () => {
  it('maps the 256 bytes to 256 distinct printable characters, as GPT-2 bytes_to_unicode', () => {
    const alphabet = byteLevelAlphabet();
    expect(alphabet).toHaveLength(256);
    expect(new Set(alphabet).size).toBe(256);
    expect(alphabet[0x21]).toBe('!');
    expect(alphabet[0x20]).toBe('Ġ'); // space
    expect(alphabet[0x0a]).toBe('Ċ'); // newline
    expect(alphabet[0xad]).toBe('Ń'); // soft hyphen, the last remapped byte
    expect(alphabet.every((c) => !/\s/u.test(c))).toBe(true);
  });

  it('round-trips any text', () => {
    for (const text of ['plain', "it's — naïve café 😀", '猫 \n\t', '']) {
      expect(fromByteLevel([toByteLevel(text)])).toBe(text);
    }
    expect(toByteLevel('é')).toBe('Ã©');
  });
});

describe('normalizer and pre-tokenizer', () => {
  it('normalizes like CLIPTokenizerFast', () => {
    expect(normalizeClipText('  A\u00a0B\n\tC  ')).toBe(' a b c ');
    expect(normalizeClipText('E\u0301')).toBe('é');
  });

  it('splits into letter runs, single digits, contractions and symbol runs', () => {
    expect(preTokenizeClip("it's 42 cats!! ok's")).toEqual(['it', "'s", '4', '2', 'cats', '!!', 'ok', "'s"]);
    expect(preTokenizeClip("'ll 'x")).toEqual(["'ll", "'", 'x']);
    expect(preTokenizeClip('   ')).toEqual([]);
  });
});
