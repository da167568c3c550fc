/**
 * Safetensors header parsing and validation, modelled on the reference Rust parser
 * (huggingface/safetensors): strict JSON with duplicate keys rejected, known dtypes, exact byte
 * ranges that tile the data section from 0 with no gap, overlap or trailing byte.
 */
import { SafetensorsError } from '../errors.js';

/** Every dtype name the safetensors format defines with a whole-byte element size. */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/** Element size in bytes of each known dtype (names are case-sensitive). */
export const DTYPE_SIZES: Readonly<Record<SafetensorsDType, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
});

/** Largest header the reference parser accepts (bytes). */
export const MAX_HEADER_LENGTH = 100_000_000;

/** One tensor as stored: byte range relative to the start of the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Number of elements (1 for a scalar, 0 for a zero-size tensor). */
  readonly numel: number;
  /** First byte, relative to the data section (which starts at 8 + header length). */
  readonly begin: number;
  /** One past the last byte, relative to the data section. */
  readonly end: number;
}

/** A validated header. */
export interface SafetensorsHeader {
  /** Tensors in header (JSON) order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Size of the data section: the end of the last tensor. */
  readonly dataLength: number;
}

/** True when `name` is a dtype the format defines. */
export function isSafetensorsDType(name: string): name is SafetensorsDType {
  return Object.hasOwn(DTYPE_SIZES, name);
}

// ---------------------------------------------------------------------------------------------
// Strict JSON (RFC 8259) with duplicate-key detection. Objects become Maps (no prototype
// pitfalls with keys such as "__proto__"); numbers keep their literal text so that "1.0" or
// "1e3" can be rejected where the reference demands an unsigned integer.

/** A JSON number with its literal text. */
class JsonNumber {
  constructor(readonly raw: string) {}
}

type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly tensor: string | undefined,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 32;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class JsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.value(0, undefined);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected data after the JSON value', undefined);
    return value;
  }

  private fail(message: string, tensor: string | undefined): never {
    throw new JsonSyntaxError(`${message} at character ${this.pos}`, tensor);
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  /** `tensor`: the top-level key this value belongs to (for error messages). */
  private value(depth: number, tensor: string | undefined): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nesting is too deep', tensor);
    this.skipWhitespace();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth, tensor);
      case '[':
        return this.array(depth, tensor);
      case '"':
        return this.string(tensor);
      case 't':
        return this.literal('true', true, tensor);
      case 'f':
        return this.literal('false', false, tensor);
      case 'n':
        return this.literal('null', null, tensor);
      case undefined:
        return this.fail('unexpected end of header', tensor);
      default: {
        NUMBER_RE.lastIndex = this.pos;
        const m = NUMBER_RE.exec(this.text);
        if (m === null) return this.fail(`unexpected character ${JSON.stringify(c)}`, tensor);
        this.pos += m[0].length;
        return new JsonNumber(m[0]);
      }
    }
  }

  private literal<T extends JsonValue>(word: string, value: T, tensor: string | undefined): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('invalid literal', tensor);
    this.pos += word.length;
    return value;
  }

  private object(depth: number, tensor: string | undefined): Map<string, JsonValue> {
    this.pos++; // '{'
    const map = new Map<string, JsonValue>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return map;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key', tensor);
      const key = this.string(tensor);
      const owner = depth === 0 ? key : tensor;
      if (map.has(key)) {
        this.fail(depth === 0 ? 'duplicate tensor name' : `duplicate key ${JSON.stringify(key)}`, owner);
      }
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'", owner);
      this.pos++;
      map.set(key, this.value(depth + 1, owner));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return map;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'", owner);
      }
    }
  }

  private array(depth: number, tensor: string | undefined): JsonValue[] {
    this.pos++; // '['
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth + 1, tensor));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return items;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'", tensor);
      }
    }
  }

  private string(tensor: string | undefined): string {
    const t = this.text;
    const start = this.pos; // at '"'
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= t.length) {
        this.pos = i;
        this.fail('unterminated string', tensor);
      }
      const c = t.charCodeAt(i);
      if (c === 0x22) break; // '"'
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string', tensor);
      }
      if (c === 0x5c) {
        escaped = true;
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) {
            this.pos = i;
            this.fail('invalid \\u escape', tensor);
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.pos = i;
          this.fail('invalid escape', tensor);
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    const raw = t.slice(start, i + 1);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

const ENTRY_KEYS = new Set(['dtype', 'shape', 'data_offsets']);

function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v instanceof JsonNumber) return v.raw;
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'an array';
  return JSON.stringify(v);
}

/** A non-negative safe integer from a JSON number literal. */
function toIndex(file: string, tensor: string, what: string, v: JsonValue | undefined): number {
  if (!(v instanceof JsonNumber)) {
    throw new SafetensorsError(file, `${what} must be a non-negative integer, got ${describe(v)}`, { tensor });
  }
  if (v.raw.startsWith('-')) {
    throw new SafetensorsError(file, `${what} is negative (${v.raw})`, { tensor });
  }
  if (!/^[0-9]+$/.test(v.raw)) {
    throw new SafetensorsError(file, `${what} is not an integer (${v.raw})`, { tensor });
  }
  const n = BigInt(v.raw);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SafetensorsError(file, `${what} is too large (${v.raw})`, { tensor });
  }
  return Number(n);
}

function parseEntry(file: string, name: string, v: JsonValue): Omit<SafetensorsEntry, 'name'> {
  if (!(v instanceof Map)) {
    throw new SafetensorsError(file, `entry must be an object with dtype, shape and data_offsets, got ${describe(v)}`, {
      tensor: name,
    });
  }
  for (const key of v.keys()) {
    if (!ENTRY_KEYS.has(key)) {
      throw new SafetensorsError(file, `unknown key ${JSON.stringify(key)} (allowed: dtype, shape, data_offsets)`, {
        tensor: name,
      });
    }
  }
  const dtype = v.get('dtype');
  if (typeof dtype !== 'string') {
    throw new SafetensorsError(file, `dtype must be a string, got ${describe(dtype)}`, { tensor: name });
  }
  if (!isSafetensorsDType(dtype)) {
    throw new SafetensorsError(file, `unknown dtype ${JSON.stringify(dtype)}`, {
      tensor: name,
      hint: `Known dtypes: ${Object.keys(DTYPE_SIZES).join(', ')} (case-sensitive).`,
    });
  }
  const shapeValue = v.get('shape');
  if (!Array.isArray(shapeValue)) {
    throw new SafetensorsError(file, `shape must be an array of non-negative integers, got ${describe(shapeValue)}`, {
      tensor: name,
    });
  }
  const shape = shapeValue.map((d, i) => toIndex(file, name, `shape[${i}]`, d));
  const offsets = v.get('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new SafetensorsError(file, `data_offsets must be [begin, end], got ${describe(offsets)}`, { tensor: name });
  }
  const begin = toIndex(file, name, 'data_offsets[0]', offsets[0]);
  const end = toIndex(file, name, 'data_offsets[1]', offsets[1]);
  if (begin > end) {
    throw new SafetensorsError(file, `data_offsets begin ${begin} is after end ${end}`, { tensor: name });
  }
  const size = DTYPE_SIZES[dtype];
  const numel = shape.reduce((p, d) => p * BigInt(d), 1n);
  const needed = numel * BigInt(size);
  if (needed !== BigInt(end - begin)) {
    throw new SafetensorsError(
      file,
      `data_offsets [${begin}, ${end}] cover ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} ` +
        `(${size} byte${size === 1 ? '' : 's'} each) needs ${needed} bytes`,
      { tensor: name },
    );
  }
  return { dtype, shape, numel: Number(numel), begin, end };
}

function parseMetadata(file: string, v: JsonValue): Record<string, string> {
  if (!(v instanceof Map)) {
    throw new SafetensorsError(file, `__metadata__ must be an object of strings, got ${describe(v)}`);
  }
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of v) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        file,
        `__metadata__ value of ${JSON.stringify(key)} must be a string, got ${describe(value)}`,
      );
    }
    pairs.push([key, value]);
  }
  return Object.freeze(Object.fromEntries(pairs)); // fromEntries defines own properties, even "__proto__"
}

/**
 * Parses and validates the JSON header of a safetensors file.
 * @param file - the file's path, for error messages
 * @param headerBytes - the N header bytes that follow the 8-byte length
 * @param fileSize - total file size, checked against 8 + N + data length
 * @throws SafetensorsError on any format violation
 */
export function parseSafetensorsHeader(file: string, headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (cause) {
    throw new SafetensorsError(file, 'header is not valid UTF-8', { cause });
  }
  let root: JsonValue;
  try {
    root = new JsonParser(text).parseDocument();
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new SafetensorsError(file, `header is not valid JSON: ${err.message}`, { tensor: err.tensor, cause: err });
    }
    throw err;
  }
  if (!(root instanceof Map)) {
    throw new SafetensorsError(file, `header must be a JSON object, got ${describe(root)}`);
  }

  let metadata: Record<string, string> = Object.freeze({});
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of root) {
    if (name === '__metadata__') {
      metadata = parseMetadata(file, value);
    } else {
      entries.set(name, { name, ...parseEntry(file, name, value) });
    }
  }

  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: SafetensorsEntry | undefined;
  for (const e of sorted) {
    if (e.begin !== expected) {
      if (previous === undefined) {
        throw new SafetensorsError(file, `data starts at byte ${e.begin}; the first tensor must start at 0`, {
          tensor: e.name,
        });
      }
      const relation =
        e.begin > expected
          ? `leaves a gap of ${e.begin - expected} bytes after tensor "${previous.name}"`
          : `overlaps tensor "${previous.name}"`;
      throw new SafetensorsError(
        file,
        `data_offsets [${e.begin}, ${e.end}] ${relation} (which ends at ${expected})`,
        { tensor: e.name },
      );
    }
    expected = e.end;
    previous = e;
  }

  const total = 8 + headerBytes.length + expected;
  if (total > fileSize) {
    throw new SafetensorsError(
      file,
      `file is truncated: header and tensor data need ${total} bytes but the file has ${fileSize}`,
      { hint: 'The file is incomplete (interrupted download or copy?); download or convert it again.' },
    );
  }
  if (total < fileSize) {
    throw new SafetensorsError(file, `${fileSize - total} trailing bytes after the last tensor (file size ${fileSize}, expected ${total})`);
  }
  return { entries, metadata, dataLength: expected };
}
