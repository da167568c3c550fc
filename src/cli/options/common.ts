/** Flags several commands share: the model flags, `--json`, and helpers to build tables. */
import type { ModelDType } from '../../models/build-options.js';
import { inversionMethods } from '../../inversion/registry.js';
import type { Flag } from './define.js';

const DTYPES = ['fp32', 'fp16'] as const satisfies readonly ModelDType[];

/** `--model` as the model commands take it (required). */
export const MODEL_FLAG = {
  name: 'model',
  short: 'm',
  type: 'string',
  value: '<folder>',
  required: true,
  help: 'diffusers model folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/)',
} as const satisfies Flag;

/** `--device`, `--dtype`, `--no-cache`. */
export const RUNTIME_FLAGS = [
  { name: 'device', type: 'string', value: 'cpu|cuda|cuda:N', default: 'cpu', help: 'execution device; cuda:N = GPU index N (one worker per GPU)' },
  { name: 'dtype', type: 'choice', choices: DTYPES, default: 'fp32 on cpu, fp16 on cuda', help: 'weights and compute precision' },
  { name: 'no-cache', type: 'boolean', help: 'build the ONNX graphs in memory instead of using the graph cache' },
] as const satisfies readonly Flag[];

/** The model flags every model command takes. */
export const MODEL_FLAGS = [MODEL_FLAG, ...RUNTIME_FLAGS] as const;

/** `--json` with what it prints. */
export function jsonFlag<const H extends string>(help: H) {
  return { name: 'json', type: 'boolean', help } as const satisfies Flag;
}

/** The same flags in help section `group`. */
export function inGroup<const F extends readonly Flag[]>(group: string, flags: F): { readonly [K in keyof F]: F[K] & { readonly group: string } } {
  return flags.map((f) => ({ ...f, group })) as unknown as { readonly [K in keyof F]: F[K] & { readonly group: string } };
}

/**
 * The default guidance of inversion or editing in words, from the method specs:
 * "3.5 for ef-ddpm, else 1".
 */
export function guidanceDefault(phase: 'invert' | 'edit'): string {
  const byValue = new Map<number, string[]>();
  for (const s of inversionMethods()) byValue.set(s.guidance[phase], [...(byValue.get(s.guidance[phase]) ?? []), s.name]);
  const ranked = [...byValue].sort((a, b) => b[1].length - a[1].length);
  const usual = ranked[0];
  if (usual === undefined) return '';
  const special = ranked.slice(1).map(([v, names]) => `${v} for ${names.join(', ')}`);
  return special.length === 0 ? String(usual[0]) : `${special.join(', ')}, else ${usual[0]}`;
}
