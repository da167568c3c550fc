/** The table of `reprise cache`. */
import { z } from 'zod';
import { jsonFlag } from './common.js';
import { defineCommand } from './define.js';

export const CACHE_TABLE = defineCommand({
  name: 'cache',
  listing: 'cache ls|prune',
  summary: 'the compiled-graph cache: sizes, removing unused graphs and weights',
  usage: ['cache ls [--dir D] [--json]', 'cache prune (--all | --older-than DAYS) [--dir D] [--dry-run] [--json]'],
  positionals: [
    { name: 'ls', help: 'list graphs and weights folders with their sizes' },
    { name: 'prune', help: 'remove graphs (--all, or unused for --older-than DAYS), unfinished builds, then weights folders no graph uses' },
  ],
  description: `The compiled-graph cache (default $REPRISE_CACHE_DIR or ~/.cache/reprise/graphs) holds one folder
per compiled graph and one shared weights folder (w-<id>) per model weights and dtype: every graph
of a model references the same weights (in place in the model's safetensors files where the
stored dtype is used as is, else one converted weights.data).`,
  flags: [
    { name: 'dir', type: 'string', value: '<folder>', default: '$REPRISE_CACHE_DIR or ~/.cache/reprise/graphs', help: 'the cache folder' },
    { name: 'all', type: 'boolean', help: 'prune: remove every graph' },
    { name: 'older-than', type: 'number', value: '<days>', schema: z.number().min(0).max(100_000), help: 'prune: remove graphs unused for this many days' },
    { name: 'dry-run', type: 'boolean', help: 'say what prune would remove, remove nothing' },
    jsonFlag('print one JSON object'),
  ],
  examples: ['cache ls', 'cache prune --older-than 30 --dry-run'],
});
