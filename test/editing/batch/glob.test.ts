import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandBraces, globFiles, hasGlobMagic } from '../../../src/editing/batch/glob.js';
import { makeTree } from './helpers.js';

const rel = (dir: string, files: string[]): string[] => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));

describe('glob', () => {
  const dir = makeTree({
    'b.png': 'b',
    'a.png': 'a',
    'c.jpg': 'c',
    '.hidden.png': 'h',
    'x/1.jpg': '1',
    'x/y/2.jpg': '2',
    'x/y/z/3.JPG': '3',
    '.git/4.jpg': '4',
    'photos/cat.png': 'cat',
  });

  it('expands *.png sorted, without dot files', () => {
    expect(rel(dir, globFiles('*.png', dir))).toEqual(['a.png', 'b.png']);
  });

  it('expands **/*.jpg through any depth (zero folders included), skipping dot folders', () => {
    expect(rel(dir, globFiles('**/*.jpg', dir))).toEqual(['c.jpg', 'x/1.jpg', 'x/y/2.jpg']);
    expect(rel(dir, globFiles('x/**/*.{jpg,JPG}', dir))).toEqual(['x/1.jpg', 'x/y/2.jpg', 'x/y/z/3.JPG']);
  });

  it('expands {a,b}.png and ? deterministically', () => {
    expect(rel(dir, globFiles('{b,a}.png', dir))).toEqual(['a.png', 'b.png']);
    expect(rel(dir, globFiles('?.{png,jpg}', dir))).toEqual(['a.png', 'b.png', 'c.jpg']);
    expect(globFiles('{a,b}.png', dir)).toEqual(globFiles('{a,b}.png', dir));
  });

  it('matches dot files only with a dot pattern, and returns nothing for no match', () => {
    expect(rel(dir, globFiles('.*.png', dir))).toEqual(['.hidden.png']);
    expect(globFiles('*.gif', dir)).toEqual([]);
    expect(globFiles('nope/**/*.png', dir)).toEqual([]);
  });

  it('works with absolute patterns and ./ prefixes', () => {
    expect(rel(dir, globFiles(`${dir.split(path.sep).join('/')}/photos/*.png`, dir))).toEqual(['photos/cat.png']);
    expect(rel(dir, globFiles('./photos/*.png', dir))).toEqual(['photos/cat.png']);
  });

  it('brace expansion handles nesting and literal braces', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('{x}')).toEqual(['{x}']);
    expect(expandBraces('a{b,c')).toEqual(['a{b,c']);
    expect(hasGlobMagic('photos/cat.png')).toBe(false);
    expect(hasGlobMagic('photos/{a,b}.png')).toBe(true);
    expect(hasGlobMagic('photos/{a}.png')).toBe(false);
  });
});
