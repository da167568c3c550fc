/** Helpers for the batch tests: write a tree of files under a fresh temp folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers.js';

/** Creates `files` (relative path → content) under a new temp folder and returns it. */
export function makeTree(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir('reprise-batch-');
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return dir;
}

/** Writes a file (creating folders) and returns its absolute path. */
export function writeFile(dir: string, rel: string, content: string | Uint8Array): string {
  const abs = path.join(dir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  return abs;
}

/** Every file below `dir`, relative and `/`-separated, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
