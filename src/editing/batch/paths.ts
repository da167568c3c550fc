/**
 * Output-path safety for batch jobs: every file a batch writes must land inside the output
 * folder, under a name that is valid on Linux, macOS and Windows alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepriseError } from '../../errors.js';

/** An output path that would escape the output folder or is not a portable file name. */
export class UnsafeOutputPathError extends RepriseError {
  /** The offending name as given. */
  readonly requested: string;
  constructor(requested: string, reason: string) {
    super('CONFIG_INVALID', `Refusing output path ${JSON.stringify(requested)}: ${reason}`, {
      hint: 'Output names must be relative paths inside the output folder, made of portable names (no "..", no absolute paths, no symbolic links leading outside).',
    });
    this.name = 'UnsafeOutputPathError';
    this.requested = requested;
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const FORBIDDEN_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/u;
const MAX_NAME_BYTES = 255;

/** Whether `name` is a Windows device name (`con`, `nul`, `com1`…, with or without extension). */
export function isWindowsReservedName(name: string): boolean {
  return WINDOWS_RESERVED.test(name);
}

/**
 * Checks that `name` is one portable path component.
 *
 * @returns undefined when it is, else the reason it is not.
 */
export function portableNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (name === '.' || name === '..') return `"${name}" refers to a folder, not a name`;
  const bad = FORBIDDEN_CHARS.exec(name);
  if (bad) return `it contains the character ${JSON.stringify(bad[0])}, which is not allowed in file names on every system`;
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space (not allowed on Windows)';
  if (/^ /.test(name)) return 'it starts with a space';
  if (WINDOWS_RESERVED.test(name)) return `"${name}" is a reserved device name on Windows`;
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** Whether `child` is `parent` or lies below it (both absolute, compared lexically). */
export function isInsideOrEqual(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Splits relative output names into components and checks each one.
 *
 * @throws UnsafeOutputPathError for absolute paths, `.`/`..`, empty components, NUL bytes and
 * non-portable names.
 */
export function outputComponents(segments: readonly string[]): string[] {
  const requested = segments.join('/');
  if (segments.length === 0) throw new UnsafeOutputPathError(requested, 'no name given');
  const components: string[] = [];
  for (const segment of segments) {
    if (typeof segment !== 'string') throw new UnsafeOutputPathError(String(segment), 'not a string');
    if (segment.includes('\0')) throw new UnsafeOutputPathError(requested, 'it contains a NUL byte');
    if (/^[\\/]/.test(segment) || /^[A-Za-z]:/.test(segment) || path.isAbsolute(segment)) {
      throw new UnsafeOutputPathError(requested, 'absolute paths are not allowed');
    }
    for (const part of segment.split(/[\\/]/)) {
      const problem = portableNameProblem(part);
      if (problem !== undefined) throw new UnsafeOutputPathError(requested, `component ${JSON.stringify(part)}: ${problem}`);
      components.push(part);
    }
  }
  return components;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * An output folder pinned to its real path (symbolic links resolved) when it was checked: every
 * later write is compared against `real`, so a folder swapped for a symbolic link mid-run cannot
 * redirect a write.
 */
export interface OutputRoot {
  /** The output folder as given (absolute). */
  readonly dir: string;
  /** Its real path when it was pinned. */
  readonly real: string;
}

/**
 * The real path `p` would have: the real path of its deepest existing ancestor, joined with the
 * components below it that do not exist yet.
 */
export function realpathDeepest(p: string): string {
  const abs = path.resolve(p);
  const missing: string[] = [];
  for (let cur = abs; ; ) {
    try {
      return path.join(fs.realpathSync(cur), ...missing.reverse());
    } catch {
      // missing (or a dangling link): go one folder up
    }
    const parent = path.dirname(cur);
    if (parent === cur) return abs;
    missing.push(path.basename(cur));
    cur = parent;
  }
}

/** The first path on the way from `p` up to the root that is a dangling symbolic link, if any. */
export function danglingLinkOn(p: string): string | undefined {
  for (let cur = path.resolve(p); ; cur = path.dirname(cur)) {
    const st = lstatOrUndefined(cur);
    if (st !== undefined) {
      if (!st.isSymbolicLink()) return undefined;
      try {
        fs.realpathSync(cur);
        return undefined;
      } catch {
        return cur;
      }
    }
    if (path.dirname(cur) === cur) return undefined;
  }
}

/**
 * Pins an existing output folder to its real path.
 *
 * @param expectedReal - the real path found when the job was loaded; a different one now means a
 * symbolic link changed in between, and the run is refused.
 * @throws UnsafeOutputPathError
 */
export function pinOutputRoot(dir: string, expectedReal?: string): OutputRoot {
  const abs = path.resolve(dir);
  const real = fs.realpathSync(abs);
  if (expectedReal !== undefined && real !== expectedReal) {
    throw new UnsafeOutputPathError(abs, `the output folder now resolves to ${real}, not to ${expectedReal} as when the job was checked (a symbolic link changed)`);
  }
  return { dir: abs, real };
}

/**
 * Checks that the existing folder `dir` (absolute, inside `root.dir` as written) really lies inside
 * the pinned root, symbolic links resolved. Called just before a file is created and again just
 * before it is renamed into place.
 *
 * @throws UnsafeOutputPathError
 */
export function assertRealInside(root: OutputRoot, dir: string, requested: string): void {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (e) {
    throw new UnsafeOutputPathError(requested, `its folder cannot be resolved (${(e as Error).message})`);
  }
  if (!isInsideOrEqual(root.real, real)) {
    throw new UnsafeOutputPathError(requested, `its folder resolves to ${real}, outside the output folder ${root.real}`);
  }
}

/**
 * Resolves `segments` (relative names; `/` separates folders) inside `outputDir` and checks the
 * result can never land outside it.
 *
 * Rejected: absolute segments, `.`/`..` components, empty components, NUL bytes, names that are
 * not portable (see {@link portableNameProblem}), a target that is itself a symbolic link, and
 * any existing ancestor whose real path (symbolic links resolved) is outside the real path of
 * `outputDir` — the real path at call time for a string, the pinned one for an
 * {@link OutputRoot} (then the output folder itself swapped for a link is refused too). The check
 * is made at call time; writers check again just before writing (see `writeFileAtomic`).
 *
 * @returns the absolute path.
 * @throws UnsafeOutputPathError
 */
export function safeOutputPath(outputDir: string | OutputRoot, ...segments: string[]): string {
  const requested = segments.join('/');
  const components = outputComponents(segments);
  const root = path.resolve(typeof outputDir === 'string' ? outputDir : outputDir.dir);
  const target = path.join(root, ...components);
  if (target === root || !isInsideOrEqual(root, target)) {
    throw new UnsafeOutputPathError(requested, 'it resolves outside the output folder');
  }
  const rootStat = lstatOrUndefined(root);
  if (rootStat === undefined) {
    if (typeof outputDir !== 'string') throw new UnsafeOutputPathError(requested, `the output folder ${root} has disappeared`);
    return target; // nothing below a missing folder can be a link
  }
  const realRoot = typeof outputDir === 'string' ? fs.realpathSync(root) : outputDir.real;
  for (let p = target; ; p = path.dirname(p)) {
    const st = lstatOrUndefined(p);
    if (st !== undefined) {
      if (p === target && st.isSymbolicLink()) {
        throw new UnsafeOutputPathError(requested, 'the target is a symbolic link; remove it first');
      }
      let real: string;
      try {
        real = fs.realpathSync(p);
      } catch {
        throw new UnsafeOutputPathError(requested, `${p} is a dangling symbolic link`);
      }
      if (!isInsideOrEqual(realRoot, real)) {
        throw new UnsafeOutputPathError(requested, `${path.relative(root, p) || '.'} leads outside the output folder (to ${real})`);
      }
      break;
    }
    if (p === root) break;
  }
  return target;
}

/** Turns any text into a portable, readable name component (letters, digits, `_`, `-`, `.`). */
export function sanitizeName(text: string, fallback = 'input'): string {
  let s = text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '')
    .replace(/[._]+$/, '');
  if (s.length > 100) s = s.slice(0, 100).replace(/[._]+$/, '');
  if (s === '') s = fallback;
  if (WINDOWS_RESERVED.test(s)) s = `${s}_`;
  return s;
}

/**
 * Gives every input a unique output folder name ("key"), derived from its file name.
 *
 * Inputs whose names collide (case-insensitively, as on macOS/Windows) are told apart by their
 * folders (`a/cat.jpg` → `a_cat`, `b/cat.jpg` → `b_cat`), then by their extensions, then by a
 * numeric suffix in input order. Keys are deterministic for a given list of inputs.
 *
 * @param relativePaths - input paths relative to the job folder, `/`-separated.
 */
export function inputKeys(relativePaths: readonly string[]): string[] {
  const stemOf = (p: string): string => {
    const base = path.posix.basename(p);
    const ext = path.posix.extname(base);
    return base.slice(0, base.length - ext.length);
  };
  const withoutExt = (p: string): string => {
    const ext = path.posix.extname(p);
    return p.slice(0, p.length - ext.length);
  };
  const cleanPath = (p: string): string => p.split('/').filter((c) => c !== '' && c !== '.' && c !== '..').join('/');
  const candidates: Array<(p: string) => string> = [
    (p) => sanitizeName(stemOf(p)),
    (p) => sanitizeName(withoutExt(cleanPath(p)).replace(/\//g, '_')),
    (p) => sanitizeName(cleanPath(p).replace(/[/.]/g, '_')),
  ];
  const keys = relativePaths.map((p) => candidates[0]!(p));
  for (let level = 1; level < candidates.length; level++) {
    const groups = groupByFolded(keys);
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      for (const i of members) keys[i] = candidates[level]!(relativePaths[i]!);
    }
  }
  // Keys already unique keep their name; collisions get -2, -3... in input order.
  const counts = groupByFolded(keys);
  const used = new Set<string>([...counts].filter(([, members]) => members.length === 1).map(([folded]) => folded));
  const result: string[] = [];
  for (const key of keys) {
    const folded = key.toLowerCase();
    if ((counts.get(folded)?.length ?? 0) === 1) {
      result.push(key);
      continue;
    }
    let name = key;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${key}-${n}`;
    used.add(name.toLowerCase());
    result.push(name);
  }
  return result;
}

function groupByFolded(keys: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const [i, key] of keys.entries()) {
    const folded = key.toLowerCase();
    const list = groups.get(folded);
    if (list) list.push(i);
    else groups.set(folded, [i]);
  }
  return groups;
}

/** Suggested output names (relative to the output folder, without extension) for one item. */
export interface ItemOutputNames {
  /** Folder of everything written for this input: the input's key. */
  readonly folder: string;
  /** The source image as read (shared by every edit of the input): `<key>/_source`. */
  readonly source: string;
  /** The reconstruction from the inversion (shared by every edit): `<key>/_reconstruction`. */
  readonly reconstruction: string;
  /** The edited image: `<key>/<edit>`. Attention maps: `<key>/<edit>.attn-<word>`. */
  readonly edit: string;
}

/**
 * Suggested names for an item's files. Edit names start with a letter or digit and contain no
 * dot, so `<key>/<edit>…` never collides with another edit's files nor with `<key>/_source`.
 */
export function itemOutputNames(inputKey: string, editName: string): ItemOutputNames {
  return {
    folder: inputKey,
    source: `${inputKey}/_source`,
    reconstruction: `${inputKey}/_reconstruction`,
    edit: `${inputKey}/${editName}`,
  };
}

/** A suggested name for an attention map of an item: `<key>/<edit>.attn-<label>` (label sanitized). */
export function attentionMapName(names: ItemOutputNames, label: string): string {
  return `${names.edit}.attn-${sanitizeName(label, 'map')}`;
}
