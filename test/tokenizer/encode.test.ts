import { describe, expect, it } from 'vitest';

import { ClipTokenizer, toByteLevel } from '../../src/tokenizer/index.js';
import { buildTinyFiles } from './helpers.js';

const files = buildTinyFiles();
const tokenizer = ClipTokenizer.fromFiles(files);
const BOS = 575;
const EOS = 576;
const id = (token: string): number => {
  const value = files.vocab[token];
  if (value === undefined) throw new Error(`no token ${token}`);
  return value;
};

describe('truncation and padding', () => {
  const words = Array.from({ length: 40 }, () => 'a photo of a cat').join(' ').split(' ');
  const text = words.join(' ');

  it('truncates a 200-word prompt to 77 ids with eos last', () => {
    expect(words).toHaveLength(200);
    const tokens = tokenizer.tokenize(text);
    expect(tokens).toHaveLength(200);
    const encoding = tokenizer.encode(text);
    expect(encoding.inputIds).toHaveLength(77);
    expect(encoding.inputIds[0]).toBe(BOS);
    expect(encoding.inputIds[76]).toBe(EOS);
    expect(encoding.inputIds.slice(1, 76)).toEqual(tokens.slice(0, 75).map(id));
    expect(encoding.attentionMask).toEqual(Array.from({ length: 77 }, () => 1));
    expect(encoding.length).toBe(77);
  });

  it('keeps everything without truncation and pads nothing when longer than maxLength', () => {
    const encoding = tokenizer.encode(text, { truncation: false });
    expect(encoding.inputIds).toHaveLength(202);
    expect(encoding.inputIds.at(-1)).toBe(EOS);
    expect(encoding.length).toBe(202);
  });

  it('honours a per-call maxLength', () => {
    const encoding = tokenizer.encode(text, { maxLength: 6 });
    expect(encoding.inputIds).toEqual([BOS, id('a</w>'), id('photo</w>'), id('of</w>'), id('a</w>'), EOS]);
    expect(() => tokenizer.encode(text, { maxLength: 1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('pads with eos by default and with a configured pad token', () => {
    const eosPadded = tokenizer.encode('a cat');
    expect(eosPadded.inputIds.slice(0, 6)).toEqual([BOS, id('a</w>'), id('cat</w>'), EOS, EOS, EOS]);
    expect(eosPadded.attentionMask.slice(0, 6)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(eosPadded.length).toBe(4);

    const sd2 = ClipTokenizer.fromFiles({ ...files, padToken: '!' });
    expect(sd2.padTokenId).toBe(0);
    const padded = sd2.encode('a cat');
    expect(padded.inputIds).toEqual([BOS, id('a</w>'), id('cat</w>'), EOS, ...Array.from({ length: 73 }, () => 0)]);
    expect(padded.attentionMask).toEqual([1, 1, 1, 1, ...Array.from({ length: 73 }, () => 0)]);
    expect(padded.length).toBe(4);
  });

  it('does not pad with padding "none"', () => {
    const encoding = tokenizer.encode('a cat', { padding: 'none' });
    expect(encoding).toEqual({ inputIds: [BOS, id('a</w>'), id('cat</w>'), EOS], attentionMask: [1, 1, 1, 1], length: 4 });
    expect(tokenizer.encode('', { padding: 'none' }).inputIds).toEqual([BOS, EOS]);
  });

  it('treats a "!" pad token as a special token, like transformers with SD 2.x tokenizers', () => {
    // diffusers issue #4153: with pad_token "!", "! !! !!!" encodes to six pad ids.
    const sd2 = ClipTokenizer.fromFiles({ ...files, padToken: '!' });
    expect(sd2.encode('! !! !!!', { padding: 'none' }).inputIds).toEqual([BOS, 0, 0, 0, 0, 0, 0, EOS]);
    expect(tokenizer.tokenize('! !!')).toEqual(['!</w>', '!', '!</w>']);
  });

  it('encodeBatch returns a [n, maxLength] int64 tensor', () => {
    const texts = ['a photo of a cat', '', text];
    const batch = tokenizer.encodeBatch(texts);
    expect(batch).toBeInstanceOf(BigInt64Array);
    expect(batch.length).toBe(3 * 77);
    texts.forEach((t, row) => {
      expect(Array.from(batch.subarray(row * 77, (row + 1) * 77), Number)).toEqual(tokenizer.encode(t).inputIds);
    });
  });
});

describe('special tokens in text', () => {
  it('maps <|startoftext|> and <|endoftext|> to their ids, even inside words', () => {
    expect(tokenizer.tokenize('a <|endoftext|> cat')).toEqual(['a</w>', '<|endoftext|>', 'cat</w>']);
    expect(tokenizer.tokenize('cat<|startoftext|>dog')).toEqual(['cat</w>', '<|startoftext|>', 'dog</w>']);
    expect(tokenizer.encode('cat<|endoftext|>', { padding: 'none' }).inputIds).toEqual([BOS, id('cat</w>'), EOS, EOS]);
  });

  it('matches special tokens after normalization (lowercase), like the slow tokenizer', () => {
    expect(tokenizer.tokenize('a <|ENDOFTEXT|>')).toEqual(['a</w>', '<|endoftext|>']);
  });

  it('does not match a broken special token', () => {
    expect(tokenizer.tokenize('<|endoftext')).toEqual(['<', '|</w>', 'e', 'n', 'do', 'f', 't', 'e', 'x', 't</w>']);
  });

  it('supports extra added tokens (textual inversion)', () => {
    const ti = ClipTokenizer.fromFiles({ ...files, addedTokens: [{ content: '<cat-toy>', id: 577 }] });
    expect(ti.vocabSize).toBe(578);
    expect(ti.tokenize('a <cat-toy> photo')).toEqual(['a</w>', '<cat-toy>', 'photo</w>']);
    expect(ti.encode('a <cat-toy>', { padding: 'none' }).inputIds).toEqual([BOS, id('a</w>'), 577, EOS]);
    expect(ti.tokenToId('<cat-toy>')).toBe(577);
    expect(ti.idToToken(577)).toBe('<cat-toy>');
    expect(ti.decode([id('a</w>'), 577])).toBe('a <cat-toy>');
  });
});

describe('normalization and unicode', () => {
  it('lowercases and collapses every kind of whitespace', () => {
    const expected = tokenizer.tokenize('a photo of a cat');
    expect(tokenizer.tokenize('  A\tPHOTO\n\nof\u00a0a \u3000Cat  ')).toEqual(expected);
  });

  it('applies NFC, so composed and decomposed accents give the same tokens', () => {
    const composed = tokenizer.tokenize('café');
    expect(tokenizer.tokenize('cafe\u0301')).toEqual(composed);
    expect(tokenizer.tokenize('CAFÉ')).toEqual(composed);
    expect(composed).toEqual(['ca', 'f', 'Ã', '©</w>']);
  });

  it('splits digits one by one', () => {
    expect(tokenizer.tokenize('2024')).toEqual(['2</w>', '0</w>', '2</w>', '4</w>']);
    expect(tokenizer.tokenize('4k')).toEqual(['4</w>', 'k</w>']);
    expect(tokenizer.tokenize('x²')).toEqual(['x</w>', 'Â', '²</w>']);
  });

  it('splits contractions and punctuation runs', () => {
    expect(tokenizer.tokenize("IT'S")).toEqual(['i', 't</w>', "'", 's</w>']);
    expect(tokenizer.tokenize("we'll")).toEqual(['w', 'e</w>', "'", 'l', 'l</w>']);
    expect(tokenizer.tokenize('...!?')).toEqual(['.', '.', '.', '!', '?</w>']);
  });

  it('byte-encodes non-Latin text and emoji', () => {
    const expectedEmoji = [...toByteLevel('😀')].map((c, i, all) => (i === all.length - 1 ? `${c}</w>` : c));
    expect(tokenizer.tokenize('😀')).toEqual(expectedEmoji);
    expect(tokenizer.tokenize('猫')).toHaveLength(3);
  });

  it('lowercases capital sigma per character (no final-sigma rule), as HF tokenizers does', () => {
    expect(tokenizer.tokenize('ΟΔΟΣ')).toEqual(tokenizer.tokenize('οδοσ'));
    expect(tokenizer.tokenize('ΟΔΟΣ')).not.toEqual(tokenizer.tokenize('οδος'));
  });

  it('maps symbols missing from the vocabulary to the unk token', () => {
    const vocab = { ...files.vocab };
    delete vocab.z;
    delete vocab['z</w>'];
    const small = ClipTokenizer.fromFiles({ vocab, merges: files.merges });
    expect(small.tokenize('zaz')).toEqual(['<|endoftext|>', 'a', '<|endoftext|>']);
    expect(small.encode('zaz', { padding: 'none' }).inputIds).toEqual([BOS, EOS, id('a'), EOS, EOS]);
  });
});

describe('decode', () => {
  it('reverses byte-level encoding and turns </w> into spaces', () => {
    const ids = tokenizer.encode("it's a house — naïve café 😀").inputIds;
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("it 's a house — naïve café 😀");
    expect(tokenizer.decode(ids.map(BigInt), { skipSpecialTokens: true })).toBe("it 's a house — naïve café 😀");
  });

  it('keeps special tokens unless asked, like HF', () => {
    const ids = tokenizer.encode('a cat', { padding: 'none' }).inputIds;
    expect(tokenizer.decode(ids)).toBe('<|startoftext|>a cat <|endoftext|>');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('a cat');
  });

  it('optionally cleans up tokenization spaces', () => {
    const ids = tokenizer.encode("A dog!! it's", { padding: 'none' }).inputIds;
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("a dog !! it 's");
    expect(tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: true })).toBe("a dog!! it's");
  });

  it('ignores unknown ids and replaces broken UTF-8', () => {
    expect(tokenizer.decode([id('a</w>'), 99999])).toBe('a');
    expect(tokenizer.decode([id('Ã')])).toBe('\ufffd');
  });
});
