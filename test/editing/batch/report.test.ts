import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveJob } from '../../../src/editing/batch/job-file.js';
import { escapeHtml, relativeUrl } from '../../../src/editing/batch/report.js';
import { runBatch } from '../../../src/editing/batch/runner.js';
import { makeTree } from './helpers.js';

const hostile = '<script>alert("x")</script> & \'quotes\'';

describe('HTML report', () => {
  it('lists every item, escapes hostile text and uses relative links only', async () => {
    const dir = makeTree({ 'in/a.png': 'A', 'in/x<img src=y onerror=alert(1)>.png': 'X' });
    const job = resolveJob(
      {
        version: 1,
        output: 'out',
        prompt: hostile,
        inputs: ['in/*.png'],
        edits: [
          { name: 'dog', prompt: `a dog ${hostile}` },
          { name: 'red', prompt: 'a red cat' },
        ],
      },
      { dir, file: path.join(dir, 'job.yaml'), editOptions: z.record(z.string(), z.unknown()) },
    );
    expect(job.inputs.map((i) => i.key)).toEqual(['a', 'x_img_src_y_onerror_alert_1']);
    const summary = await runBatch(job, {
      processItem: async (item, ctx) => {
        if (item.id.endsWith('/red') && item.input.key !== 'a') throw new Error(`boom ${hostile}`);
        const n = item.names;
        await ctx.write(`${n.source}.png`, 'S');
        await ctx.write(`${n.reconstruction}.png`, 'R');
        await ctx.write(`${n.edit}.png`, 'E');
        await ctx.write(`${n.edit}.attn-dog.png`, 'M');
        return {
          report: {
            source: `${n.source}.png`,
            reconstruction: `${n.reconstruction}.png`,
            edit: `${n.edit}.png`,
            attention: [{ label: `map ${hostile}`, path: `${n.edit}.attn-dog.png` }],
            notes: { [hostile]: hostile, seconds: 1.5 },
          },
        };
      },
    });
    expect(summary).toMatchObject({ done: 3, failed: 1 });
    const html = fs.readFileSync(summary.reportPath!, 'utf8');
    // Every item and input appears.
    for (const item of job.items) {
      if (summary.items.find((o) => o.item.id === item.id)?.status === 'done') {
        expect(html).toContain(`src="${relativeUrl(`${item.names.edit}.png`)}"`);
        expect(html).toContain(`src="${relativeUrl(`${item.names.edit}.attn-dog.png`)}"`);
      }
    }
    expect(html).toContain(escapeHtml('in/x<img src=y onerror=alert(1)>.png'));
    expect(html).toContain('a/_source.png');
    expect(html).toContain('a/_reconstruction.png');
    expect(html).toContain('x_img_src_y_onerror_alert_1/red'); // the failure, by id
    expect(html).toContain(escapeHtml(`boom ${hostile}`));
    // Nothing hostile survives unescaped; no scripts at all.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img src=y');
    expect(html).not.toContain("'quotes'");
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    // Links are relative.
    const links = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link).not.toMatch(/^(?:\/|[a-z]+:)/i);
      expect(link).not.toContain('..');
    }
    // Written atomically: no temporary file left.
    expect(fs.readdirSync(job.output).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('escapeHtml and relativeUrl', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    expect(relativeUrl('a b/c#d?.png')).toBe('a%20b/c%23d%3F.png');
  });
});
