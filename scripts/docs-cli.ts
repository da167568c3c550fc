/** Writes docs/cli.md from the command tables (`npm run docs:cli`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliMarkdown } from '../src/cli/options/markdown.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/cli.md');
fs.writeFileSync(file, cliMarkdown());
process.stdout.write(`wrote ${file}\n`);
