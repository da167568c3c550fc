/** Rewrites the generated solver table of docs/solvers.md from the registry (`npm run docs:solvers`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSolverTable } from '../src/solvers/docs-table.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/solvers.md');
fs.writeFileSync(file, withSolverTable(fs.readFileSync(file, 'utf8')));
process.stdout.write(`updated ${file}\n`);
