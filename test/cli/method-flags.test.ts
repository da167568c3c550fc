/**
 * Every inversion method's options are CLI flags, derived from the registry: for every registered
 * method and each of its options, `reprise invert` passes the value through to the record; a value
 * out of range gets the method's own message (exit 2, not 3); a flag given with a method that does
 * not take it is a usage error naming the method and the flags it takes, never dropped.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCommand } from '../../src/cli/edit.js';
import { EXIT } from '../../src/cli/errors.js';
import { invertCommand } from '../../src/cli/invert.js';
import { mapsCommand } from '../../src/cli/maps.js';
import { EDIT_TABLE } from '../../src/cli/options/edit.js';
import { INVERT_TABLE } from '../../src/cli/options/invert.js';
import { MAPS_TABLE } from '../../src/cli/options/maps.js';
import { methodOptionFlags } from '../../src/cli/options/method-flags.js';
import { optionFacts, type OptionFacts } from '../../src/inversion/method-options.js';
import { loadInversion } from '../../src/inversion/record.js';
import { inversionMethods } from '../../src/inversion/registry.js';
import type { AnyInversionSpec } from '../../src/inversion/spec.js';
import type { Flag } from '../../src/cli/options/define.js';
import { capture, modelDir, writePicture } from './cli-helpers.js';

const STEPS = 3;

/** A valid value other than the default (within the range, below `STEPS` for integers). */
function otherValue(f: OptionFacts): number | boolean | string {
  if (f.type === 'boolean') return !f.default;
  if (f.type === 'enum') return (f.choices ?? []).find((c) => c !== f.default) ?? String(f.default);
  const d = f.default as number;
  if (f.type === 'integer') return f.max && d + 1 > f.max.value ? d - 1 : d + 1;
  const lo = f.min?.value ?? d - 1;
  const hi = f.max?.value ?? d + 1;
  return d === lo || d === hi ? (lo + hi) / 2 : (d + hi) / 2;
}

/** A value outside the option's range, or undefined when it has none. */
function badValue(f: OptionFacts): number | undefined {
  if (f.min) return f.min.inclusive ? f.min.value - 1 : f.min.value;
  if (f.max) return f.max.inclusive ? f.max.value + 1 : f.max.value;
  return undefined;
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** "--a", "--a and --b", "--a, --b and --c". */
function flagList(spec: AnyInversionSpec): string {
  const flags = optionFacts(spec).map((f) => `--${kebab(f.key)}`);
  return flags.length <= 1 ? (flags[0] ?? '') : `${flags.slice(0, -1).join(', ')} and ${flags.at(-1) ?? ''}`;
}

const cases = inversionMethods().flatMap((spec) => optionFacts(spec).map((facts) => ({ spec, facts })));

describe('inversion-method options as CLI flags', async () => {
  const { dir, model } = modelDir(31);
  const image = await writePicture(path.join(dir, 'pic.png'), 24, 20);

  it('the registry declares options, and every one is a flag of invert, edit and maps', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
    const flags = methodOptionFlags().map((o) => o.flag);
    for (const { spec, facts } of cases) {
      expect(flags, `${spec.name}.${facts.key}`).toContain(kebab(facts.key));
      for (const table of [INVERT_TABLE, EDIT_TABLE, MAPS_TABLE]) {
        const flag = (table.flags as readonly Flag[]).find((f) => f.name === kebab(facts.key)) as (Flag & { readonly methods?: readonly string[] }) | undefined;
        expect(flag?.methods, `${table.name} --${kebab(facts.key)}`).toContain(spec.name);
      }
    }
  });

  for (const { spec, facts } of cases) {
    const flag = kebab(facts.key);

    it(`${spec.name} --${flag}: the value reaches the record`, async () => {
      const value = otherValue(facts);
      const out = path.join(dir, `${spec.name}-${flag}.inv.safetensors`);
      const r = await capture(() => invertCommand([image, '-m', model, '--method', spec.name, '--steps', String(STEPS), `--${flag}=${String(value)}`, '--out', out, '--json']));
      expect(r.code, r.stderr).toBe(EXIT.ok);
      const options = loadInversion(out).options as unknown as Record<string, unknown>;
      expect(options['method']).toBe(spec.name);
      expect(options[facts.key]).toBe(value);
      expect(value).not.toBe(facts.default);
    });

    const bad = badValue(facts);
    if (bad !== undefined) {
      it(`${spec.name} --${flag}=${bad}: the method's own message, exit 2`, async () => {
        const issue = spec.options.shape[facts.key]?.safeParse(bad);
        expect(issue?.success).toBe(false);
        const message = issue?.success === false ? (issue.error.issues[0]?.message ?? '') : '';
        expect(message).not.toBe('');
        const r = await capture(() => invertCommand([image, '-m', model, '--method', spec.name, `--${flag}=${bad}`, '--out', path.join(dir, 'never.inv.safetensors')]));
        expect(r.code, r.stderr).toBe(EXIT.usage);
        expect(r.stderr).toContain(`--${flag} ${bad}: ${spec.label}'s ${facts.key} ${message}`);
      });
    }
  }

  it('a flag given with a method that does not take it is refused, naming the method and its flags', async () => {
    let checked = 0;
    for (const o of methodOptionFlags()) {
      const value = otherValue(o.methods[0]?.facts as OptionFacts);
      for (const spec of inversionMethods()) {
        if (o.methods.some((m) => m.name === spec.name)) continue;
        checked++;
        const r = await capture(() => invertCommand([image, '-m', model, '--method', spec.name, `--${o.flag}=${String(value)}`, '--out', path.join(dir, 'never.inv.safetensors')]));
        expect(r.code, `${spec.name} --${o.flag}`).toBe(EXIT.usage);
        expect(r.stderr).toContain(`--${o.flag} applies to the `);
        expect(r.stderr).toContain(`not ${spec.name}`);
        const takes = flagList(spec);
        expect(r.stderr).toContain(takes === '' ? `${spec.name} takes no method flags` : `${spec.name} takes ${takes}`);
        for (const m of o.methods) expect(r.stderr).toContain(m.name);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('without --method, the flags are checked against the default method', async () => {
    const foreign = methodOptionFlags().find((o) => !o.methods.some((m) => m.name === 'ef-ddpm'));
    expect(foreign).toBeDefined();
    const value = otherValue(foreign?.methods[0]?.facts as OptionFacts);
    const r = await capture(() => invertCommand([image, '-m', model, `--${foreign?.flag ?? ''}=${String(value)}`, '--out', path.join(dir, 'never.inv.safetensors')]));
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/not ef-ddpm \(the default --method\); ef-ddpm takes --/);
  });

  it('edit and maps refuse method flags with a record (its inversion is done), and take them with an image', async () => {
    const record = path.join(dir, 'rec.inv.safetensors');
    expect((await capture(() => invertCommand([image, '-m', model, '--method', 'ddim', '--steps', '2', '--out', record]))).code).toBe(EXIT.ok);
    for (const { spec, facts } of cases) {
      const arg = `--${kebab(facts.key)}=${String(otherValue(facts))}`;
      const e = await capture(() => editCommand([record, '-m', model, '-t', 'x', arg, '--out-dir', path.join(dir, 'never')]));
      expect(e.code, `${spec.name} ${arg}`).toBe(EXIT.usage);
      expect(e.stderr).toContain(`--${kebab(facts.key)} apply when inverting an image`);
      const m = await capture(() => mapsCommand([record, '-m', model, arg, '--out', path.join(dir, 'never.png')]));
      expect(m.code).toBe(EXIT.usage);
      expect(m.stderr).toContain(`--${kebab(facts.key)} apply when inverting an image`);
    }
    const gamma = cases.find((c) => c.spec.name === 'bdia');
    expect(gamma).toBeDefined();
    if (gamma) {
      const saved = path.join(dir, 'edit-bdia.inv.safetensors');
      const value = otherValue(gamma.facts);
      const r = await capture(() => editCommand([image, '-m', model, '-p', 'a', '-t', 'b', '--method', 'bdia', '--steps', '2', `--${kebab(gamma.facts.key)}=${String(value)}`, '--save-inversion', saved, '--out-dir', path.join(dir, 'edits')]));
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect((loadInversion(saved).options as unknown as Record<string, unknown>)[gamma.facts.key]).toBe(value);
    }
  });
});
