/**
 * A small, dependency-free file glob for job files (Node 20 has no `fs.globSync`).
 *
 * Supported syntax, per `/`-separated segment:
 * - `*` any run of characters except `/`; `?` exactly one such character;
 * - `**` as a whole segment: zero or more folders (it does not follow symbolic links to folders,
 *   so it cannot loop);
 * - `{a,b,c}` alternatives (nested braces allowed; a brace group without a comma is literal).
 *
 * Names starting with `.` are matched only by a segment that itself starts with `.`; `**` never
 * enters such folders. Only files (or symbolic links to files) are returned. Every other
 * character, `[` and `\` included, is literal. Results are absolute paths, deduplicated and
 * sorted by code point, so the same tree always yields the same list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Whether `pattern` uses glob syntax (`*`, `?` or a `{a,b}` group). */
export function hasGlobMagic(pattern: string): boolean {
  return /[*?]/.test(pattern) || expandBraces(pattern).length > 1;
}

/**
 * Expands `{a,b}` groups (nested groups too) into every alternative, in order of appearance.
 * Unbalanced braces and groups without a top-level comma are kept literally.
 */
export function expandBraces(pattern: string): string[] {
  const group = findBraceGroup(pattern);
  if (group === undefined) return [pattern];
  const head = pattern.slice(0, group.open);
  const tail = pattern.slice(group.close + 1);
  const out: string[] = [];
  for (const alt of group.alternatives) {
    for (const expanded of expandBraces(head + alt + tail)) out.push(expanded);
  }
  return out;
}

interface BraceGroup {
  readonly open: number;
  readonly close: number;
  readonly alternatives: readonly string[];
}

/** The first `{...}` group with a top-level comma, or undefined. */
function findBraceGroup(pattern: string): BraceGroup | undefined {
  for (let open = pattern.indexOf('{'); open >= 0; open = pattern.indexOf('{', open + 1)) {
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '{') depth++;
      else if (c === ',' && depth === 1) commas.push(i);
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          if (commas.length === 0) break; // `{abc}` is literal; look for a later group
          const bounds = [open, ...commas, i];
          const alternatives = bounds.slice(0, -1).map((b, k) => pattern.slice(b + 1, bounds[k + 1]));
          return { open, close: i, alternatives };
        }
      }
    }
  }
  return undefined;
}

/** Compiles one path segment (no `/`) with `*` and `?` into an anchored regular expression. */
function segmentRegExp(segment: string): RegExp {
  let src = '';
  for (const c of segment) {
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else src += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'u');
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Compares strings by UTF-16 code units: locale-independent, hence deterministic. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Expands a glob pattern against the file system.
 *
 * @param pattern - a `/`-separated pattern, relative to `cwd` or absolute.
 * @param cwd - the folder relative patterns start from.
 * @returns absolute paths of the matching files, deduplicated and sorted.
 */
export function globFiles(pattern: string, cwd: string): string[] {
  const found = new Set<string>();
  for (const alternative of expandBraces(pattern)) {
    const absolute = path.isAbsolute(alternative);
    const segments = alternative.split('/').filter((s) => s !== '' && s !== '.');
    const start = absolute ? path.parse(path.resolve(alternative)).root : path.resolve(cwd);
    walk(start, segments, 0, found);
  }
  return [...found].sort(compareCodePoints);
}

function walk(dir: string, segments: readonly string[], index: number, found: Set<string>): void {
  const segment = segments[index];
  if (segment === undefined) return;
  const last = index === segments.length - 1;
  if (segment === '**') {
    if (last) {
      // A trailing `**` matches every file below `dir`.
      collectAll(dir, found);
      return;
    }
    walk(dir, segments, index + 1, found);
    for (const entry of listDir(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) walk(path.join(dir, entry.name), segments, index, found);
    }
    return;
  }
  if (!/[*?]/.test(segment)) {
    const next = path.join(dir, segment);
    if (last) {
      if (isFile(next)) found.add(next);
    } else if (isDirectory(next)) {
      walk(next, segments, index + 1, found);
    }
    return;
  }
  const re = segmentRegExp(segment);
  const dotAllowed = segment.startsWith('.');
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.') && !dotAllowed) continue;
    if (!re.test(entry.name)) continue;
    const next = path.join(dir, entry.name);
    if (last) {
      if (isFile(next)) found.add(next);
    } else if (isDirectory(next)) {
      walk(next, segments, index + 1, found);
    }
  }
}

function collectAll(dir: string, found: Set<string>): void {
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.')) continue;
    const next = path.join(dir, entry.name);
    if (entry.isDirectory()) collectAll(next, found);
    else if (isFile(next)) found.add(next);
  }
}
