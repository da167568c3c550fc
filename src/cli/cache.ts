/** `reprise cache ls|prune`: what the compiled-graph cache holds, and removing what is not needed. */
import { cacheUsage, pruneCache } from '../runtime/cache-usage.js';
import { defaultCacheDir } from '../runtime/graph-cache.js';
import { numberFlag, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';

export const CACHE_HELP = `Usage: reprise cache ls [--dir D] [--json]
       reprise cache prune (--all | --older-than DAYS) [--dir D] [--dry-run] [--json]

The compiled-graph cache (default $REPRISE_CACHE_DIR or ~/.cache/reprise/graphs) holds one folder
per compiled graph and one shared weights folder (w-<id>) per model weights and dtype: every graph
of a model references the same weights (in place in the model's safetensors files where the
stored dtype is used as is, else one converted weights.data).

  ls                     list graphs and weights folders with their sizes
  prune                  remove graphs (--all, or unused for --older-than DAYS), unfinished builds,
                         then weights folders no graph uses
  --dir <folder>         the cache folder
  --dry-run              say what prune would remove, remove nothing
  --json                 print one JSON object
  -h, --help             show this help`;

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;

/** Runs `cache` with argv (without the command name). */
export function cacheCommand(argv: readonly string[]): Promise<number> {
  return runCommand('cache', argv, async () => cacheBody(argv));
}

function cacheBody(argv: readonly string[]): number {
  const { values, positionals } = parseFlags(argv, { dir: { type: 'string' }, all: { type: 'boolean' }, 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, CACHE_HELP);
  if (values.help) {
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
    const days = numberFlag(values['older-than'], 'older-than', 0, 100_000, CACHE_HELP);
    if ((days === undefined) === (values.all !== true)) throw new UsageError('prune needs exactly one of --all and --older-than DAYS', CACHE_HELP);
    const dryRun = values['dry-run'] === true;
    const r = pruneCache(dir, days === undefined ? { kind: 'all', dryRun } : { kind: 'unused-for', days, dryRun });
    if (values.json) printJson({ ok: true, command: 'cache prune', dir, dryRun, ...r });
    else process.stdout.write(`${dryRun ? 'Would remove' : 'Removed'} ${r.removedGraphs.length} graph(s) and ${r.removedWeights.length} weights folder(s), ${mb(r.freedBytes)}.\n`);
    return EXIT.ok;
  }
  throw new UsageError(sub === undefined ? 'missing subcommand: ls or prune' : `unknown subcommand ${sub} (ls or prune)`, CACHE_HELP);
}
