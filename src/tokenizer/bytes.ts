/**
 * GPT-2 / CLIP byte-level alphabet: every byte 0..255 maps to one printable Unicode character,
 * so any UTF-8 text can be written with 256 symbols and no whitespace or control characters.
 */

/** Builds the table of `bytes_to_unicode()` from GPT-2 (index = byte, value = character). */
function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b); // '!'..'~'
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b); // '¡'..'¬'
  for (let b = 0xae; b <= 0xff; b++) printable.push(b); // '®'..'ÿ'
  const isPrintable = new Set(printable);
  const table = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (isPrintable.has(b)) {
      table[b] = String.fromCharCode(b);
    } else {
      table[b] = String.fromCharCode(256 + shifted);
      shifted++;
    }
  }
  return table;
}

const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The byte-level alphabet: `byteLevelAlphabet()[b]` is the character standing for byte `b`. */
export function byteLevelAlphabet(): readonly string[] {
  return BYTE_TO_CHAR;
}

/** Writes `text` as UTF-8 and maps every byte to its byte-level character. */
export function toByteLevel(text: string): string {
  const bytes = utf8Encoder.encode(text);
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b] as string;
  return out;
}

/**
 * Turns byte-level tokens back into text, like the `ByteLevel` decoder of HF tokenizers: a token
 * whose characters all belong to the alphabet contributes those bytes, any other token its own
 * UTF-8 bytes; invalid UTF-8 sequences become U+FFFD.
 */
export function fromByteLevel(tokens: readonly string[]): string {
  const bytes: number[] = [];
  for (const token of tokens) {
    const own: number[] = [];
    let inAlphabet = true;
    for (const ch of token) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) {
        inAlphabet = false;
        break;
      }
      own.push(b);
    }
    if (inAlphabet) {
      for (const b of own) bytes.push(b);
    } else {
      for (const b of utf8Encoder.encode(token)) bytes.push(b);
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}
