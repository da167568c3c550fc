/** Tokenizer conformance: reference.json texts must give identical tokens and ids. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { ComponentFolder } from '../models/folder.js';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.js';
import type { ConformanceResult } from './result.js';
import { RepriseError } from '../errors.js';

const referenceSchema = z.array(z.object({ text: z.string(), tokens: z.array(z.string()).optional(), input_ids: z.array(z.number().int()) }));

/** Runs a tokenizer folder against its reference.json. */
export function checkTokenizer(folder: ComponentFolder): ConformanceResult {
  const refPath = path.join(folder.dir, 'reference.json');
  if (!fs.existsSync(refPath)) throw new RepriseError('MODEL_FOLDER', `${folder.dir} has no reference.json`, { hint: 'Point conformance at a tokenizer fixture folder (see ../shared/fixtures/reference/README.md).' });
  const cases = referenceSchema.parse(JSON.parse(fs.readFileSync(refPath, 'utf8')));
  const tok = ClipTokenizer.fromFolder(folder.dir);
  const mismatches: string[] = [];
  let idErrors = 0;
  let tokenErrors = 0;
  for (const c of cases) {
    const ids = tok.encode(c.text).inputIds;
    const same = ids.length === c.input_ids.length && ids.every((v, i) => v === c.input_ids[i]);
    if (!same) idErrors++;
    const tokens = tok.tokenize(c.text);
    const sameTokens = c.tokens === undefined || (tokens.length === c.tokens.length && tokens.every((t, i) => t === c.tokens?.[i]));
    if (!sameTokens) tokenErrors++;
    if (!same || !sameTokens) mismatches.push(c.text);
  }
  return {
    component: path.basename(folder.dir),
    kind: 'tokenizer',
    className: folder.className,
    ok: mismatches.length === 0,
    maxRelError: mismatches.length,
    tolerance: 0,
    outputs: { input_ids: idErrors, tokens: tokenErrors },
    details: { texts: cases.length, mismatches: mismatches.slice(0, 10) },
  };
}
