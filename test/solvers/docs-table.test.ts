/** docs/solvers.md's table is the registry's: fails when the committed table is stale (run `npm run docs:solvers`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderSolverTable, withSolverTable } from '../../src/solvers/docs-table.js';
import { SOLVERS } from '../../src/solvers/index.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/solvers.md');

describe('docs/solvers.md', () => {
  it('holds the table generated from the registry', () => {
    const text = fs.readFileSync(file, 'utf8');
    expect(withSolverTable(text), 'docs/solvers.md is stale: run `npm run docs:solvers`').toBe(text);
  });

  it('has one row per registered solver, naming its class', () => {
    const table = renderSolverTable();
    for (const s of SOLVERS) expect(table).toContain(`| \`${s.className}\` |`);
    expect(table.split('\n').filter((l) => l.startsWith('| `') && !l.startsWith('| `--scheduler')).length).toBe(SOLVERS.length);
  });
});
