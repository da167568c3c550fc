import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonObject } from '../../src/tokenizer/files.js';
import { tempDir } from '../helpers.js';

describe('tokenizer JSON files are read like every config (Python non-finite tokens)', () => {
  it('reads bare Infinity/-Infinity/NaN as numbers, leaves strings alone and still rejects broken JSON', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tokenizer_config.json');
    fs.writeFileSync(file, '{"model_max_length": Infinity, "lo": -Infinity, "x": NaN, "s": "Infinity"}');
    const cfg = readJsonObject(file, 'a tokenizer config');
    expect(cfg['model_max_length']).toBe(Number.POSITIVE_INFINITY);
    expect(cfg['lo']).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(cfg['x'])).toBe(true);
    expect(cfg['s']).toBe('Infinity');
    fs.writeFileSync(file, '{"model_max_length": Infinit}');
    expect(() => readJsonObject(file, 'a tokenizer config')).toThrow(/Invalid JSON/);
  });
});
