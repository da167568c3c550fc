import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  UnsafeOutputPathError,
  attentionMapName,
  inputKeys,
  itemOutputNames,
  portableNameProblem,
  safeOutputPath,
  sanitizeName,
} from '../../../src/editing/batch/paths.js';
import { makeTree } from './helpers.js';

describe('safeOutputPath', () => {
  it('resolves relative names inside the output folder', () => {
    const out = makeTree({});
    expect(safeOutputPath(out, 'cat/dog.png')).toBe(path.join(out, 'cat', 'dog.png'));
    expect(safeOutputPath(out, 'cat', 'dog.png')).toBe(path.join(out, 'cat', 'dog.png'));
    expect(safeOutputPath(path.join(out, 'not-yet'), 'a.png')).toBe(path.join(out, 'not-yet', 'a.png'));
  });

  it.each([
    ['../x'],
    ['/etc/x'],
    ['a/../../x'],
    ['a/./b'],
    ['a//b'],
    ['C:\\x'],
    ['\\\\server\\share'],
    ['a\u0000b'],
    ['con.png'],
    ['a:b'],
    ['a*'],
    ['trailing.'],
    [''],
    ['x'.repeat(256)],
  ])('rejects %j', (name) => {
    const out = makeTree({});
    expect(() => safeOutputPath(out, name)).toThrow(UnsafeOutputPathError);
  });

  it('rejects hostile segments given separately', () => {
    const out = makeTree({});
    expect(() => safeOutputPath(out, 'a', '..', 'x')).toThrow(UnsafeOutputPathError);
    expect(() => safeOutputPath(out, 'a', '/etc/passwd')).toThrow(UnsafeOutputPathError);
    expect(() => safeOutputPath(out)).toThrow(UnsafeOutputPathError);
  });

  it('rejects a symlink inside the output folder pointing outside, but follows one pointing inside', () => {
    const outside = makeTree({ 'secret.txt': 's' });
    const out = makeTree({ 'real/keep.txt': 'k' });
    fs.symlinkSync(outside, path.join(out, 'escape'), 'dir');
    fs.symlinkSync(path.join(out, 'real'), path.join(out, 'inner'), 'dir');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(out, 'file-link'));
    expect(() => safeOutputPath(out, 'escape/x.png')).toThrow(/leads outside the output folder/);
    expect(() => safeOutputPath(out, 'escape/deeper/x.png')).toThrow(UnsafeOutputPathError);
    expect(() => safeOutputPath(out, 'file-link')).toThrow(/symbolic link/);
    expect(safeOutputPath(out, 'inner/x.png')).toBe(path.join(out, 'inner', 'x.png'));
  });

  it('accepts an output folder that is itself reached through a symlink', () => {
    const real = makeTree({});
    const holder = makeTree({});
    const link = path.join(holder, 'out-link');
    fs.symlinkSync(real, link, 'dir');
    expect(safeOutputPath(link, 'a/b.png')).toBe(path.join(link, 'a', 'b.png'));
  });
});

describe('names', () => {
  it('portableNameProblem explains what is wrong', () => {
    expect(portableNameProblem('cat.png')).toBeUndefined();
    expect(portableNameProblem('chat café.png')).toBeUndefined();
    expect(portableNameProblem('..')).toMatch(/folder/);
    expect(portableNameProblem('a|b')).toMatch(/character/);
    expect(portableNameProblem('AUX')).toMatch(/reserved/);
  });

  it('input keys: duplicate base names are told apart deterministically', () => {
    expect(inputKeys(['a/cat.jpg', 'b/cat.jpg', 'dog.png'])).toEqual(['a_cat', 'b_cat', 'dog']);
    expect(inputKeys(['cat.jpg', 'cat.png'])).toEqual(['cat_jpg', 'cat_png']);
    expect(inputKeys(['x/Cat.jpg', 'y/cat.jpg'])).toEqual(['x_Cat', 'y_cat']);
    // Sanitized collisions fall back to numeric suffixes, never reusing an existing key.
    expect(inputKeys(['a b.png', 'a_b.png', 'a_b-2.png'])).toEqual(['a_b_png', 'a_b_png-2', 'a_b-2']);
    expect(inputKeys(['../up/con.png', '.hidden.jpg', '???.png'])).toEqual(['con_', 'hidden', 'input']);
    const keys = inputKeys(['p/a.jpg', 'q/a.jpg', 'r/a.jpg', 'a.jpg']);
    expect(new Set(keys.map((k) => k.toLowerCase())).size).toBe(4);
  });

  it('item output names never collide between edits and shared files', () => {
    const names = itemOutputNames('cat', 'dog');
    expect(names).toEqual({ folder: 'cat', source: 'cat/_source', reconstruction: 'cat/_reconstruction', edit: 'cat/dog' });
    expect(attentionMapName(names, '<dog>')).toBe('cat/dog.attn-dog');
    expect(sanitizeName('../../etc/passwd')).toBe('etc_passwd');
  });
});
