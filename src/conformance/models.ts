/** Conformance of model components (UNet, VAE, text encoder) against reference.safetensors. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors } from '../io/safetensors.js';
import type { SafetensorsFile } from '../io/safetensors.js';
import type { ComponentFolder } from '../models/folder.js';
import { TextEncoderModel, UnetModel, VaeModel, type LoadOptions } from '../runtime/load.js';
import type { HostTensor } from '../runtime/session.js';
import { maxRelativeError } from './compare.js';
import type { ConformanceResult } from './result.js';
import { RepriseError } from '../errors.js';

function tensor(ref: SafetensorsFile, name: string): HostTensor {
  const info = ref.info(name);
  if (!info) throw new RepriseError('MODEL_FOLDER', `reference.safetensors has no tensor "${name}"`, { hint: 'Regenerate the fixture folder with the reference script (its README).' });
  return { data: ref.readFloat32(name), dims: [...info.shape] };
}

function result(folder: ComponentFolder, outputs: Record<string, number>, tolerance: number, attention?: Record<string, number>): ConformanceResult {
  const all = [...Object.values(outputs), ...Object.values(attention ?? {})];
  const maxRelError = all.length ? Math.max(...all) : Number.POSITIVE_INFINITY;
  return {
    component: path.basename(folder.dir),
    kind: folder.kind,
    className: folder.className,
    ok: all.length > 0 && maxRelError <= tolerance,
    maxRelError,
    tolerance,
    outputs,
    ...(attention ? { attention } : {}),
  };
}

/** Runs one model component folder against its reference.safetensors. */
export async function checkModelComponent(folder: ComponentFolder, load: LoadOptions, tolerance: number): Promise<ConformanceResult> {
  const refPath = path.join(folder.dir, 'reference.safetensors');
  if (!fs.existsSync(refPath)) throw new RepriseError('MODEL_FOLDER', `${folder.dir} has no reference.safetensors`, { hint: 'Point conformance at a fixture folder (see ../shared/fixtures/reference/README.md for the format).' });
  const ref = openSafetensors(refPath);
  try {
    const names = ref.names();
    const has = (n: string) => names.includes(n);
    const errs: Record<string, number> = {};
    switch (folder.kind) {
      case 'unet': {
        const layers = names.filter((n) => n.startsWith('attn:')).map((n) => n.slice(5));
        const unet = await UnetModel.load(folder.dir, { ...load, attentionOutputs: layers });
        const ts = ref.info('timestep')?.dtype === 'I64' ? Float32Array.from(ref.readBigInt64('timestep'), Number) : ref.readFloat32('timestep');
        const r = await unet.run({
          sample: tensor(ref, 'sample'),
          timestep: ts,
          encoderHiddenStates: tensor(ref, 'encoder_hidden_states'),
          ...(has('timestep_cond') ? { timestepCond: tensor(ref, 'timestep_cond') } : {}),
        });
        await unet.graph.session.release();
        errs.out = maxRelativeError(r.out.data as Float32Array, ref.readFloat32('out'));
        const attention: Record<string, number> = {};
        for (const l of layers) {
          const a = r.attention.get(l);
          attention[l] = a ? maxRelativeError(a.data as Float32Array, ref.readFloat32(`attn:${l}`)) : Number.POSITIVE_INFINITY;
        }
        return result(folder, errs, tolerance, attention);
      }
      case 'vae': {
        const vae = await VaeModel.load(folder.dir, load);
        if (has('image')) {
          const e = await vae.encode(tensor(ref, 'image'));
          if (has('posterior_mean')) errs.posterior_mean = maxRelativeError(e.mean.data as Float32Array, ref.readFloat32('posterior_mean'));
          if (has('posterior_logvar')) errs.posterior_logvar = maxRelativeError(e.logvar.data as Float32Array, ref.readFloat32('posterior_logvar'));
        }
        if (has('latent') && has('decoded')) {
          const d = await vae.decode(tensor(ref, 'latent'));
          errs.decoded = maxRelativeError(d.data as Float32Array, ref.readFloat32('decoded'));
        }
        await vae.encoder.session.release();
        await vae.decoder.session.release();
        return result(folder, errs, tolerance);
      }
      case 'text_encoder': {
        const te = await TextEncoderModel.load(folder.dir, load);
        const ids = ref.readBigInt64('input_ids');
        const batch = ref.info('input_ids')?.shape[0] ?? 1;
        const r = await te.encode(ids, batch);
        await te.graph.session.release();
        const map: Record<string, HostTensor> = { last_hidden_state: r.lastHiddenState, penultimate_hidden_state: r.penultimateHiddenState, pooler_output: r.pooled };
        for (const [n, v] of Object.entries(map)) if (has(n)) errs[n] = maxRelativeError(v.data as Float32Array, ref.readFloat32(n));
        return result(folder, errs, tolerance);
      }
      default:
        // invariant: discover() only yields the kinds handled above
        throw new Error(`not a model component: ${folder.kind}`);
    }
  } finally {
    ref.close();
  }
}
