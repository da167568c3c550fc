/** `reprise cache ls|prune`: what the compiled-graph cache holds, and removing what is not needed. */
import { cacheUsage, pruneCache } from '../runtime/cache-usage.js';
import { defaultCacheDir } from '../runtime/graph-cache.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { CACHE_TABLE } from './options/cache.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';

/** The help text of `reprise cache` (from its table). */
export const CACHE_HELP = helpText(CACHE_TABLE);

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;

/** Runs `cache` with argv (without the command name). */
export function cacheCommand(argv: readonly string[]): Promise<number> {
  return runCommand('cache', argv, async () => cacheBody(argv));
}

function cacheBody(argv: readonly string[]): number {
  const parsed = parseCommand(CACHE_TABLE, argv);
  const { values, positionals } = parsed;
  if (parsed.help) {
    process.stdout.write(`${CACHE_HELP}\n`);
    return EXIT.ok;
  }
  const dir = values.dir ?? defaultCacheDir();
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`, CACHE_HELP);
  if (sub === 'ls') {
    const u = cacheUsage(dir);
    if (values.json) {
      printJson({ ok: true, command: 'cache ls', ...u, graphs: u.graphs.map((g) => ({ ...g, lastUsed: g.lastUsed.toISOString() })) });
      return EXIT.ok;
    }
    const lines = [`cache ${dir}: ${mb(u.diskBytes)} on disk${u.inPlaceBytes > 0 ? ` (+ ${mb(u.inPlaceBytes)} referenced in place in model folders)` : ''}`];
    for (const w of u.weights) lines.push(`  ${w.name}  converted ${mb(w.convertedBytes)}, in place ${mb(w.inPlaceBytes)}, ${w.graphs} graph(s)`);
    for (const g of u.graphs) lines.push(`  ${g.key}  ${g.component ?? '?'}  ${mb(g.ownBytes)}${g.weights ? ` + ${g.weights}` : ''}  used ${g.lastUsed.toISOString().slice(0, 16).replace('T', ' ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  }
  if (sub === 'prune') {
    const days = values['older-than'];
    if ((days === undefined) === (values.all !== true)) throw new UsageError('prune needs exactly one of --all and --older-than DAYS', CACHE_HELP);
    const dryRun = values['dry-run'] === true;
    const r = pruneCache(dir, days === undefined ? { kind: 'all', dryRun } : { kind: 'unused-for', days, dryRun });
    if (values.json) printJson({ ok: true, command: 'cache prune', dir, dryRun, ...r });
    else process.stdout.write(`${dryRun ? 'Would remove' : 'Removed'} ${r.removedGraphs.length} graph(s) and ${r.removedWeights.length} weights folder(s), ${mb(r.freedBytes)}.\n`);
    return EXIT.ok;
  }
  throw new UsageError(sub === undefined ? 'missing subcommand: ls or prune' : `unknown subcommand ${sub} (ls or prune)`, CACHE_HELP);
}
