/**
 * The batch manifest `<output>/.reprise-manifest.json`: one entry per finished item (done or
 * failed), rewritten atomically after each item, so an interrupted run can be resumed.
 *
 * Resume rule: an item is skipped when its entry is `done`, its hash matches, and every output
 * file it recorded still exists; `failed` items, changed items and items with missing outputs are
 * run again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RepriseError } from '../../errors.js';
import { writeFileAtomic } from './atomic.js';
import { compareCodePoints } from './glob.js';
import { safeOutputPath, type OutputRoot } from './paths.js';

/** File name of the manifest inside the output folder. */
export const MANIFEST_NAME = '.reprise-manifest.json';

/** A labelled image of the report (path relative to the output folder, `/`-separated). */
export interface ReportImage {
  readonly label: string;
  readonly path: string;
}

/** What an item contributes to the HTML report; every path is relative to the output folder. */
export interface ItemReport {
  /** The input as read (shared by all edits of the input; any item may give it). */
  readonly source?: string | undefined;
  /** The reconstruction from the inversion (shared by all edits of the input). */
  readonly reconstruction?: string | undefined;
  /** The edited image. */
  readonly edit?: string | undefined;
  /** Attention maps and other extra images, in display order. */
  readonly attention?: readonly ReportImage[] | undefined;
  /** Short facts shown under the edit (e.g. reconstruction error, seconds). */
  readonly notes?: Readonly<Record<string, string | number>> | undefined;
}

/** An item's failure as recorded. */
export interface ItemError {
  readonly message: string;
  /** `RepriseError.code`, a Node error code (`ENOENT`...), or undefined. */
  readonly code: string | undefined;
}

export interface EntryCommon {
  /** Hash of the item's input bytes, prompts, options, model and fingerprint. */
  readonly hash: string;
  /** Input path relative to the job folder. */
  readonly input: string;
  readonly edit: string;
  /** Files written for the item, relative to the output folder. */
  readonly outputs: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/** A manifest entry: a finished item. */
export type ManifestEntry =
  | (EntryCommon & { readonly status: 'done'; readonly report?: ItemReport | undefined })
  | (EntryCommon & { readonly status: 'failed'; readonly error: ItemError });

const reportImageSchema = z.object({ label: z.string(), path: z.string() });
const itemReportSchema = z.object({
  source: z.string().optional(),
  reconstruction: z.string().optional(),
  edit: z.string().optional(),
  attention: z.array(reportImageSchema).optional(),
  notes: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
const commonShape = {
  hash: z.string(),
  input: z.string(),
  edit: z.string(),
  outputs: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
};
const entrySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('done'), ...commonShape, report: itemReportSchema.optional() }),
  z.object({ status: z.literal('failed'), ...commonShape, error: z.object({ message: z.string(), code: z.string().optional() }) }),
]);
const manifestSchema = z.object({
  version: z.literal(1),
  updatedAt: z.string(),
  items: z.record(z.string(), entrySchema),
});

/** The manifest of one output folder, kept in memory and persisted after every change. */
export class BatchManifest {
  private readonly items: Map<string, ManifestEntry>;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    /** Absolute path of the manifest file. */
    readonly path: string,
    items: Map<string, ManifestEntry>,
    /** The pinned output folder writes are checked against (undefined: checked at call time). */
    private readonly root: OutputRoot | undefined,
  ) {
    this.items = items;
  }

  /**
   * Reads `<outputDir>/.reprise-manifest.json`, or starts an empty manifest when there is none.
   *
   * @throws RepriseError (`CONFIG_INVALID`) when the file exists but is not a valid manifest.
   */
  static load(outputDir: string | OutputRoot): BatchManifest {
    const root = typeof outputDir === 'string' ? undefined : outputDir;
    const file = path.join(path.resolve(typeof outputDir === 'string' ? outputDir : outputDir.dir), MANIFEST_NAME);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new BatchManifest(file, new Map(), root);
      throw new RepriseError('CONFIG_INVALID', `Cannot read the batch manifest ${file}: ${(e as Error).message}`, {
        hint: 'Check the output folder permissions.',
        cause: e,
      });
    }
    let parsed: z.output<typeof manifestSchema>;
    try {
      parsed = manifestSchema.parse(JSON.parse(text));
    } catch (e) {
      throw new RepriseError('CONFIG_INVALID', `The batch manifest ${file} is not valid (${e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message})`, {
        hint: 'It records which items are finished. Delete it to process every item again, or choose another output folder.',
        cause: e,
      });
    }
    const items = new Map<string, ManifestEntry>();
    for (const [id, entry] of Object.entries(parsed.items)) {
      items.set(id, entry.status === 'failed' ? { ...entry, error: { message: entry.error.message, code: entry.error.code } } : entry);
    }
    return new BatchManifest(file, items, root);
  }

  /** The folder the manifest lives in (the output folder). */
  get outputDir(): string {
    return path.dirname(this.path);
  }

  /** The entry of item `id`, if it finished in some run. */
  get(id: string): ManifestEntry | undefined {
    return this.items.get(id);
  }

  /** Every entry, including items no longer in the job. */
  entries(): ReadonlyMap<string, ManifestEntry> {
    return this.items;
  }

  /**
   * Whether item `id` can be skipped: recorded `done` with the same hash, and every recorded
   * output still exists as a file inside the output folder.
   */
  isUpToDate(id: string, hash: string): boolean {
    const entry = this.items.get(id);
    if (entry === undefined || entry.status !== 'done' || entry.hash !== hash) return false;
    return entry.outputs.every((rel) => {
      try {
        return fs.statSync(safeOutputPath(this.root ?? this.outputDir, rel)).isFile();
      } catch {
        return false;
      }
    });
  }

  /**
   * Records an entry and persists the manifest atomically. Writes are serialized; the promise
   * resolves once this entry is on disk.
   */
  set(id: string, entry: ManifestEntry): Promise<void> {
    this.items.set(id, entry);
    const write = this.writing.then(() => this.persist());
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every pending write has finished. */
  async flush(): Promise<void> {
    await this.writing;
  }

  /** The manifest as JSON text (entries sorted by id). */
  serialize(): string {
    const ids = [...this.items.keys()].sort(compareCodePoints);
    const items: Record<string, ManifestEntry> = {};
    for (const id of ids) items[id] = this.items.get(id)!;
    return `${JSON.stringify({ version: 1, updatedAt: new Date().toISOString(), items }, null, 2)}\n`;
  }

  private async persist(): Promise<void> {
    if (this.root === undefined) await fs.promises.mkdir(this.outputDir, { recursive: true });
    await writeFileAtomic(this.path, this.serialize(), this.root);
  }
}
