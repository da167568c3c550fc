/**
 * One UNet graph per model: the controlled graph (dynamic target count) with every
 * cross-attention layer's probabilities as outputs serves as the plain UNet (neutral controls,
 * E = 0, fetching only `out`; proven equal in test/attention/unified-unet.test.ts), as the
 * controlled UNet for any number of targets, and with stored maps for any cross layers (fetched
 * by name). So a model holds one set of UNet weights in memory and creates one UNet session.
 *
 * With the fused attention lowering the self-attention layers run as com.microsoft
 * MultiHeadAttention (on the CPU provider its flash kernel: no [B, H, N, N] score tensor, the
 * controls in their V-transform form) and the cross-attention layers, all probed, keep explicit
 * probabilities; that is the CPU default (a 512² SD 1.5 edit fits in memory). On CUDA the plain
 * UNet stays its own fully fused graph (cross-attention fused too, for speed), and the
 * controlled graph is a second one (still one for every target count).
 */
import type { WeightSource } from '../io/weights.js';
import { detectComponent, openComponentWeights } from '../models/folder.js';
import { buildUnet } from '../models/unet/build.js';
import { RepriseError } from '../errors.js';
import { UnetModel, type LoadOptions } from '../runtime/load.js';
import { ControlledUnetModel } from './controlled-unet.js';

const NO_WEIGHTS: WeightSource = {
  id: 'none',
  names: () => [],
  info: () => undefined,
  readFloat32: (name) => {
    // invariant: a collectOnly build never reads weights
    throw new RangeError(`no weights (listing layers only): ${name}`);
  },
};

/** The attention layers of a UNet config, in call order (a build without weights). */
export function unetAttentionLayers(config: unknown): string[] {
  return [...buildUnet(config, NO_WEIGHTS, { collectOnly: true }).attentionLayers];
}

/** The UNets of one model. */
export interface ModelUnets {
  readonly unet: UnetModel;
  /** The controlled UNet for `edits` targets, fetching the probabilities of `attentionOutputs`. */
  controlled(edits: number, attentionOutputs?: readonly string[]): Promise<ControlledUnetModel>;
  /** Whether the plain and controlled UNet are one graph (one session). */
  readonly unified: boolean;
}

/** Loads a model's UNets from its `unet/` folder. */
export async function loadModelUnets(dir: string, options: LoadOptions): Promise<ModelUnets> {
  const found = detectComponent(dir);
  if (found?.kind !== 'unet') throw new RepriseError('MODEL_FOLDER', `${dir} is not a unet folder${found ? ` (it holds a ${found.kind})` : ''}`, { hint: 'Point to the unet/ folder of a diffusers model (config.json + safetensors weights).' });
  const weights = openComponentWeights(dir, options.variant === undefined ? {} : { variant: options.variant });
  if (options.attentionLowering === 'fused' && options.device === 'cuda') {
    const unet = await UnetModel.fromWeights(found.config, weights, options);
    const graphs = new Map<string, Promise<ControlledUnetModel>>();
    return {
      unet,
      unified: false,
      controlled(edits, attentionOutputs = []) {
        const key = [...attentionOutputs].sort().join(',');
        let g = graphs.get(key);
        if (!g) {
          g = ControlledUnetModel.fromWeights(found.config, weights, { ...options, edits: 0, attentionOutputs });
          graphs.set(key, g);
        }
        return g.then((m) => m.withEdits(edits, attentionOutputs));
      },
    };
  }
  const cross = unetAttentionLayers(found.config).filter((l) => l.endsWith('attn2'));
  const base = await ControlledUnetModel.fromWeights(found.config, weights, { ...options, edits: 0, attentionOutputs: cross });
  const unet = new UnetModel(base.graph, found.config, weights.id, ['out']);
  return {
    unet,
    unified: true,
    controlled: async (edits, attentionOutputs = []) => base.withEdits(edits, attentionOutputs),
  };
}
