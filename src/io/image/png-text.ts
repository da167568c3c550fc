/**
 * PNG text metadata. sharp's `withMetadata`/`keepMetadata` do not write tEXt chunks for arbitrary
 * keys, so both backends encode first and then insert the chunks here, right after IHDR:
 * `tEXt` (Latin-1 keyword and text) when the value is Latin-1 without NUL, `iTXt` (uncompressed UTF-8)
 * otherwise. {@link readPngText} reads tEXt, iTXt and zTXt back.
 */
import * as zlib from 'node:zlib';
import { RepriseError } from '../../errors.js';
import { crc32 } from './crc32.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 33 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function latin1(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0) return undefined;
    out[i] = c;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function keywordBytes(key: string): Uint8Array {
  const bytes = latin1(key);
  // PNG keywords: 1-79 Latin-1 printable characters (32-126, 161-255), no leading/trailing/double spaces.
  const printable = bytes?.every((c) => (c >= 32 && c <= 126) || c >= 161) ?? false;
  if (!bytes || key.length < 1 || key.length > 79 || !printable || key !== key.trim() || key.includes('  ')) {
    throw new RepriseError('RUNTIME_INPUT', `PNG text keyword ${JSON.stringify(key)} is not allowed`, {
      hint: 'Use 1-79 printable Latin-1 characters without leading, trailing or double spaces (e.g. "prompt").',
    });
  }
  return bytes;
}

/** One tEXt (or iTXt when the text is not Latin-1) chunk for a keyword/text pair. */
function textChunk(key: string, text: string): Uint8Array {
  const keyword = keywordBytes(key);
  const plain = latin1(text);
  if (plain) return chunk('tEXt', concat([keyword, new Uint8Array([0]), plain]));
  // iTXt: keyword\0 compressionFlag(0) compressionMethod(0) languageTag\0 translatedKeyword\0 text(UTF-8)
  return chunk('iTXt', concat([keyword, new Uint8Array([0, 0, 0, 0, 0]), new TextEncoder().encode(text)]));
}

/**
 * Inserts text chunks after IHDR of an encoded PNG (which must be a valid PNG starting with IHDR).
 * Returns a new buffer; the pixel data is untouched.
 */
export function insertPngText(png: Uint8Array, text: Readonly<Record<string, string>>): Uint8Array {
  if (!isPng(png)) {
    throw new RepriseError('RUNTIME_INPUT', 'Cannot add PNG text: the data is not a PNG', { hint: 'Encode the image as PNG first.' });
  }
  const entries = Object.entries(text);
  if (entries.length === 0) return png;
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(8);
  return concat([png.subarray(0, ihdrEnd), ...entries.map(([k, v]) => textChunk(k, v)), png.subarray(ihdrEnd)]);
}

function decodeText(type: string, data: Uint8Array): [string, string] | undefined {
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  const key = new TextDecoder('latin1').decode(data.subarray(0, nul));
  if (type === 'tEXt') return [key, new TextDecoder('latin1').decode(data.subarray(nul + 1))];
  if (type === 'zTXt') return [key, new TextDecoder('latin1').decode(zlib.inflateSync(data.subarray(nul + 2)))];
  // iTXt
  const compressed = data[nul + 1] === 1;
  const langEnd = data.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
  if (transEnd < 0) return undefined;
  const body = data.subarray(transEnd + 1);
  return [key, new TextDecoder().decode(compressed ? zlib.inflateSync(body) : body)];
}

/**
 * Reads the tEXt, zTXt and iTXt chunks of a PNG into a keyword → text record (the first occurrence of
 * a keyword wins). Returns `{}` for data that is not a PNG or has no text; damaged chunks are skipped.
 */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPng(bytes)) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 8 + len;
    if (end + 4 > bytes.length || type === 'IEND') break;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      try {
        const pair = decodeText(type, bytes.subarray(at + 8, end));
        if (pair && !Object.hasOwn(out, pair[0])) {
          Object.defineProperty(out, pair[0], { value: pair[1], enumerable: true, writable: true, configurable: true });
        }
      } catch {
        // A damaged compressed chunk: skip it.
      }
    }
    at = end + 4;
  }
  return out;
}
