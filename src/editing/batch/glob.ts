/**
 * A small, dependency-free file glob for job files (Node 20 has no `fs.globSync`).
 *
 * Why not tinyglobby (issue 15 looked): job-file paths are photo names, and ours treats `[` and
 * `\` literally (`IMG [1].jpg` matches itself), where tinyglobby/picomatch read `[…]` as a
 * character class and `\` as an escape, so such files would silently not match; and ours
 * enforces the job limits *during* the walk — a cap on brace alternatives, on matched files and a
 * deadline (`GlobBudget`) — where tinyglobby can cap only the depth, so a `**` over a huge tree
 * could run unbounded before any cap on its result applies.
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
import { GlobLimitError, JOB_LIMITS } from './limits.js';

/** What one pattern may cost: alternatives, matched files and time (see {@link JOB_LIMITS}). */
export interface GlobBudget {
  readonly maxExpansions: number;
  readonly maxMatches: number;
  /** `Date.now()` after which the expansion stops with a {@link GlobLimitError}. */
  readonly deadline: number;
}

/** The default budget of one pattern, starting now. */
export function globBudget(): GlobBudget {
  return { maxExpansions: JOB_LIMITS.braceExpansions, maxMatches: JOB_LIMITS.inputs, deadline: Date.now() + JOB_LIMITS.globMs };
}

function checkTime(budget: GlobBudget): void {
  if (Date.now() > budget.deadline) throw new GlobLimitError('globMs', `the pattern took more than ${JOB_LIMITS.globMs} ms to expand`);
}

function checkPattern(pattern: string): void {
  if (pattern.length > JOB_LIMITS.patternLength) throw new GlobLimitError('patternLength', `a pattern of ${pattern.length} characters`);
}

/**
 * Whether `pattern` uses glob syntax (`*`, `?` or a `{a,b}` group).
 *
 * @throws GlobLimitError for a pattern over the length, expansion or time limits.
 */
export function hasGlobMagic(pattern: string, budget: GlobBudget = globBudget()): boolean {
  checkPattern(pattern);
  return /[*?]/.test(pattern) || findBraceGroup(pattern, budget) !== undefined;
}

/**
 * Expands `{a,b}` groups (nested groups too) into every alternative, in order of appearance.
 * Unbalanced braces and groups without a top-level comma are kept literally.
 *
 * @throws GlobLimitError past `budget.maxExpansions` alternatives or `budget.deadline`.
 */
export function expandBraces(pattern: string, budget: GlobBudget = globBudget()): string[] {
  checkPattern(pattern);
  const out: string[] = [];
  // Depth-first over an explicit stack (no recursion), in order of appearance.
  const stack: string[] = [pattern];
  while (stack.length > 0) {
    checkTime(budget);
    const current = stack.pop()!;
    const group = findBraceGroup(current, budget);
    if (group === undefined) {
      out.push(current);
      if (out.length > budget.maxExpansions) throw new GlobLimitError('braceExpansions', `the pattern expands to more than ${budget.maxExpansions.toLocaleString('en-US')} alternatives`);
      continue;
    }
    const head = current.slice(0, group.open);
    const tail = current.slice(group.close + 1);
    // Every pending pattern yields at least one alternative: fail as soon as the total must exceed the limit.
    if (out.length + stack.length + group.alternatives.length > budget.maxExpansions) {
      throw new GlobLimitError('braceExpansions', `the pattern expands to more than ${budget.maxExpansions.toLocaleString('en-US')} alternatives`);
    }
    for (let k = group.alternatives.length - 1; k >= 0; k--) stack.push(head + group.alternatives[k]! + tail);
  }
  return out;
}

interface BraceGroup {
  readonly open: number;
  readonly close: number;
  readonly alternatives: readonly string[];
}

/** The first `{...}` group with a top-level comma, or undefined. */
function findBraceGroup(pattern: string, budget: GlobBudget): BraceGroup | undefined {
  for (let open = pattern.indexOf('{'); open >= 0; open = pattern.indexOf('{', open + 1)) {
    checkTime(budget);
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

/**
 * Whether `name` matches one path segment with `*` (any run) and `?` (one character), by the
 * linear two-pointer wildcard algorithm: no regular expression, so no catastrophic backtracking
 * (`*a*a*a…` costs O(pattern × name), not exponential time).
 */
export function matchSegment(segment: string, name: string): boolean {
  const p = [...segment];
  const n = [...name];
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < n.length) {
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === n[j]))) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
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
 * @throws GlobLimitError past the budget's alternatives, matches or time.
 */
export function globFiles(pattern: string, cwd: string, budget: GlobBudget = globBudget()): string[] {
  const found = new Set<string>();
  const walker: Walker = { budget, found };
  for (const alternative of expandBraces(pattern, budget)) {
    const absolute = path.isAbsolute(alternative);
    const segments = alternative.split('/').filter((s) => s !== '' && s !== '.');
    const start = absolute ? path.parse(path.resolve(alternative)).root : path.resolve(cwd);
    walk(start, segments, 0, walker);
  }
  return [...found].sort(compareCodePoints);
}

interface Walker {
  readonly budget: GlobBudget;
  readonly found: Set<string>;
}

function addMatch(w: Walker, file: string): void {
  w.found.add(file);
  if (w.found.size > w.budget.maxMatches) throw new GlobLimitError('inputs', `the pattern matches more than ${w.budget.maxMatches.toLocaleString('en-US')} files`);
}

function walk(dir: string, segments: readonly string[], index: number, w: Walker): void {
  checkTime(w.budget);
  const segment = segments[index];
  if (segment === undefined) return;
  const last = index === segments.length - 1;
  if (segment === '**') {
    if (last) {
      // A trailing `**` matches every file below `dir`.
      collectAll(dir, w);
      return;
    }
    walk(dir, segments, index + 1, w);
    for (const entry of listDir(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) walk(path.join(dir, entry.name), segments, index, w);
    }
    return;
  }
  if (!/[*?]/.test(segment)) {
    const next = path.join(dir, segment);
    if (last) {
      if (isFile(next)) addMatch(w, next);
    } else if (isDirectory(next)) {
      walk(next, segments, index + 1, w);
    }
    return;
  }
  const dotAllowed = segment.startsWith('.');
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.') && !dotAllowed) continue;
    if (!matchSegment(segment, entry.name)) continue;
    const next = path.join(dir, entry.name);
    if (last) {
      if (isFile(next)) addMatch(w, next);
    } else if (isDirectory(next)) {
      walk(next, segments, index + 1, w);
    }
  }
}

function collectAll(dir: string, w: Walker): void {
  checkTime(w.budget);
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.')) continue;
    const next = path.join(dir, entry.name);
    if (entry.isDirectory()) collectAll(next, w);
    else if (isFile(next)) addMatch(w, next);
  }
}
