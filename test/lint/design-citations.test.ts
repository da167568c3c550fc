/**
 * Source comments cite the design by `docs/design.md §N`: every cited section exists in the
 * repository's docs/design.md, and nothing cites the out-of-repository DESIGN document.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIRS = ['src', 'tools', 'scripts', 'examples', 'test', 'docs'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'api' && entry.name !== 'node_modules') out.push(...files(full));
    } else if (/\.(ts|md)$/.test(entry.name)) out.push(full);
  }
  return out;
}

const sources = DIRS.filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap((d) => files(path.join(ROOT, d)));
const sections = new Set(
  [...fs.readFileSync(path.join(ROOT, 'docs/design.md'), 'utf8').matchAll(/^## (\d+)\. /gm)].map((m) => m[1]),
);

describe('design citations', () => {
  it('docs/design.md has numbered sections', () => {
    expect([...sections]).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('every cited section exists', () => {
    const missing: string[] = [];
    let cited = 0;
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/design\.md(?:\]\([^)]*\))? §(\d+)((?:\/§\d+)*)/g)) {
        const numbers = [m[1], ...[...(m[2] ?? '').matchAll(/§(\d+)/g)].map((n) => n[1])];
        for (const n of numbers) {
          cited++;
          if (!sections.has(n ?? '')) missing.push(`${path.relative(ROOT, file)}: §${n}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(cited).toBeGreaterThan(20);
  });

  it('nothing cites the DESIGN document outside the repository', () => {
    const stale = sources.filter((f) => !f.endsWith('design-citations.test.ts') && /DESIGN §|shared\/DESIGN\.md/.test(fs.readFileSync(f, 'utf8')));
    expect(stale.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
