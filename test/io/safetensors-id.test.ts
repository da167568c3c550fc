import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { Random } from '../../src/util/random.js';
import { tempDir } from '../helpers.js';

describe('safetensors identity (keys the graph cache and binds inversion records)', () => {
  const write = (file: string, data: Float32Array) => writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [data.length], data }]);

  for (const n of [1000, 2_000_000]) {
    it(`follows the weights, not only the layout (${n} values${n > 1e6 ? ', sampled' : ', hashed whole'})`, () => {
      const dir = tempDir();
      const a = new Random(1).normals(n);
      const b = a.slice();
      b[Math.floor(n / 2)] = (b[Math.floor(n / 2)] as number) + 1; // a "fine-tune": same header, other weights
      write(path.join(dir, 'a.safetensors'), a);
      write(path.join(dir, 'b.safetensors'), n > 1e6 ? new Random(2).normals(n) : b);
      fs.copyFileSync(path.join(dir, 'a.safetensors'), path.join(dir, 'a-copy.safetensors'));
      const ida = openSafetensors(path.join(dir, 'a.safetensors')).id;
      expect(openSafetensors(path.join(dir, 'b.safetensors')).id).not.toBe(ida);
      expect(openSafetensors(path.join(dir, 'a-copy.safetensors')).id).toBe(ida);
    });
  }
});
