/**
 * The public editing API: load a diffusers folder, invert an image, reconstruct it bit for bit,
 * edit it with prompt-to-prompt attention control, generate images with exact records, and
 * read cross-attention maps.
 *
 * ```ts
 * const pipe = await Pipeline.load('models/sd15', { device: 'cuda', dtype: 'fp16' });
 * const inv = await pipe.invert(await readImage('cat.jpg'), { prompt: 'a cat on a bench', method: 'ef-ddpm' });
 * const same = await pipe.reconstruct(inv);                      // bit-identical pixels
 * const edit = await pipe.edit(inv, { prompt: 'a dog on a bench', attention: { localBlend: ['cat', 'dog'] } });
 * ```
 */
import { ControlledUnetModel } from '../attention/controlled-unet.js';
import { heatmapGrid, tokenHeatmaps, type TokenHeatmap } from '../attention/heatmaps.js';
import type { UserMask } from '../attention/local-blend.js';
import { RepriseError } from '../errors.js';
import { toModelGeometry, type GeometryPlan } from '../io/image/model-geometry.js';
import type { RasterImage } from '../io/image/types.js';
import type { InversionOptions } from '../inversion/options.js';
import { samplingPlanFromConfig } from '../inversion/plan.js';
import { unetBranchPredictor } from '../inversion/predictor.js';
import { checkInversion, type Inversion } from '../inversion/record.js';
import { invert, reconstructLatent, recordPlan } from '../inversion/reconstruct.js';
import type { BranchConditioning, BranchPredict, SamplingPlan } from '../inversion/types.js';
import { guidanceScaleEmbedding, specForName, type SchedulerClassName, type SchedulerConfig } from '../solvers/index.js';
import { dcRatiosFor } from './fit/dc-store.js';
import { withSolverStatistics } from './fit/v3-store.js';
import { attentionLayerInfo, buildAttentionPlan, buildLocalBlend, chooseMapSize, storeLayers } from './attention-setup.js';
import { runEditLoop } from './edit-loop.js';
import { checkMemory } from './memory-estimate.js';
import { checkGenerationTimeShift, generateLatent, generationSolver } from './generate.js';
import { DiffusionModel, type ModelLoadOptions } from './model.js';
import { attentionOptionsSchema, editOptionsSchema, generateOptionsSchema, invertOptionsSchema, methodOptionsOf, parseOptions, type EditOptions, type GenerateOptions, type InvertOptions } from './options.js';
import { decodeEdited, decodeToImage, decodeWithoutResidual, encodeImage } from './pixels.js';
import { checkRecordFields } from './record-fields.js';
import { modelContentId } from '../io/content-id.js';
import { targetSchedulerFor } from './target-scheduler.js';

/** Progress of a long call. */
export interface Progress {
  readonly phase: 'encode' | 'invert' | 'reconstruct' | 'edit' | 'generate' | 'maps' | 'decode';
  readonly step: number;
  readonly total: number;
}

/** Options accepted by every long call. */
export interface CallOptions {
  readonly onProgress?: (p: Progress) => void;
}

/** Result of an edit. */
export interface EditResult {
  /** The edited image of each target prompt. */
  readonly images: RasterImage[];
  /** The source branch's image (reconstruction under control). */
  readonly source: RasterImage;
  readonly latents: Float32Array[];
  /** Local-blend masks per branch (latent size) when local blend ran. */
  readonly masks?: Float32Array[];
  /** Average cross-attention maps per branch [h·w·77] and their size [h, w]. */
  readonly attention?: { readonly size: readonly [number, number]; readonly maps: Float32Array[] };
  /** The rule the edit sampled with: the record's inversion method, or `<method>+<solver id>` when the target branches ran the `scheduler` override (`-karras` with Karras σ). */
  readonly solver: string;
}

/** Result of `attentionMaps`. */
export interface AttentionMapsResult {
  /** Map size [height, width]. */
  readonly size: readonly [number, number];
  readonly tokens: TokenHeatmap[];
  /** A labelled grid of the image and every token's overlay. */
  readonly grid: RasterImage;
  readonly image: RasterImage;
}

/** A loaded model with the editing operations. */
export class Pipeline {
  private constructor(readonly model: DiffusionModel) {}

  /** Loads a diffusers folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/). */
  static async load(folder: string, options: ModelLoadOptions = {}): Promise<Pipeline> {
    return new Pipeline(await DiffusionModel.load(folder, options));
  }

  private defaultSteps(): number {
    return this.model.isLcm ? 8 : 50;
  }

  private timestepCond(guidance: number): Float32Array | undefined {
    const dim = this.model.unet.timestepCondDim;
    return dim === undefined ? undefined : guidanceScaleEmbedding(guidance, dim);
  }

  /** The record field of the embedding's guidance (LCM UNets only). */
  private embedded(guidance: number): { embeddedGuidance?: number } {
    return this.model.unet.timestepCondDim === undefined ? {} : { embeddedGuidance: guidance };
  }

  /** The guidance a record's time-conditioning embedding was made with (older records: their CFG scale). */
  private recordEmbedding(inv: Inversion): number {
    return inv.embeddedGuidance ?? inv.conditioning.guidance;
  }

  /** LCM models take guidance through the embedding, not CFG. */
  private cfg(guidance: number): number {
    return this.model.isLcm ? 1 : guidance;
  }

  private plan(steps: number, shape: readonly [number, number, number]): SamplingPlan {
    return samplingPlanFromConfig(this.model.schedulerConfig, steps, shape);
  }

  private predictor(plan: SamplingPlan, conds: readonly BranchConditioning[], guidance: number, phase: Progress['phase'], o: CallOptions): BranchPredict {
    const tc = this.timestepCond(guidance);
    const inner = unetBranchPredictor(this.model.unet, plan, conds, tc ? { timestepCond: tc } : {});
    const total = plan.timesteps.length;
    let last = -1;
    return async (latents, t, step) => {
      const r = await inner(latents, t, step);
      // EDICT evaluates twice per step: report each step once.
      if (step !== last) o.onProgress?.({ phase, step: step + 1, total });
      last = step;
      return r;
    };
  }

  /** Inverts an image into a record that regenerates it (bit-identical pixels with the residual, the default). */
  async invert(image: RasterImage, options: InvertOptions & CallOptions = {}): Promise<Inversion> {
    const { onProgress, ...rest } = options;
    const o = parseOptions(invertOptionsSchema, rest, 'invert');
    onProgress?.({ phase: 'encode', step: 0, total: 1 });
    const enc = await encodeImage(this.model, image, o.resize, o.residual);
    const steps = o.steps ?? this.defaultSteps();
    const guidance = o.guidance ?? (o.method === 'ef-ddpm' ? 3.5 : 1);
    const plan = this.plan(steps, enc.shape);
    const [cond, uncond] = await this.model.encodePrompts([o.prompt, o.negativePrompt]);
    const conditioning: BranchConditioning = { cond: cond as Float32Array, uncond: uncond as Float32Array, guidance: this.cfg(guidance) };
    const method = methodOptionsOf(o);
    const record = await invert(plan, this.predictor(plan, [conditioning], guidance, 'invert', { ...(onProgress ? { onProgress } : {}) }), enc.z0, method, {
      modelId: this.modelId(),
      schedulerConfig: this.model.schedulerConfig,
      prompts: { source: o.prompt, ...(o.negativePrompt ? { negative: o.negativePrompt } : {}) },
      conditioning,
      ...this.embedded(guidance),
      ...(enc.pixels ? { pixels: enc.pixels } : {}),
    });
    return record;
  }

  /** Identity of the model weights, stored in records and checked when they are used. */
  modelId(): string {
    const m = this.model;
    return modelContentId({ unet: m.unet.weightsId, vae: m.vae.weightsId, textEncoder: m.textEncoder.weightsId });
  }

  private checkRecord(inv: Inversion): void {
    checkInversion(inv);
    if (inv.modelId !== this.modelId()) {
      throw new RepriseError('RUNTIME_INPUT', 'this inversion record was made with another model', { hint: 'Load the model the record was made with, or invert the image again with this one.' });
    }
    const unetConfig = this.model.unet.config as { in_channels?: number };
    checkRecordFields(inv, {
      latentChannels: unetConfig.in_channels ?? 4,
      vaeScaleFactor: this.model.vaeScaleFactor,
      conditioningLength: this.model.tokenizer.maxLength * this.model.unet.contextDim,
    });
  }

  /** Regenerates the inverted image: bit-identical to the input when the record holds the residual (exact methods). */
  async reconstruct(inv: Inversion, options: CallOptions = {}): Promise<{ image: RasterImage; latent: Float32Array }> {
    this.checkRecord(inv);
    const latent = await reconstructLatent(inv, (plan, conds) => this.predictor(plan, conds, this.recordEmbedding(inv), 'reconstruct', options));
    options.onProgress?.({ phase: 'decode', step: 0, total: 1 });
    return { image: await decodeToImage(this.model, latent, inv.latentShape, inv.pixels), latent };
  }

  /** Edits an inverted (or generated) image toward one or several target prompts in one pass. */
  async edit(inv: Inversion, options: EditOptions & CallOptions & { mask?: { image: RasterImage; mode?: UserMask['mode'] } }): Promise<EditResult> {
    this.checkRecord(inv);
    const { onProgress, mask, ...rest } = options;
    const o = parseOptions(editOptionsSchema, rest, 'edit');
    const targets = Array.isArray(o.prompt) ? o.prompt : [o.prompt];
    const targetScheduler = targetSchedulerFor(inv, o);
    const plan = recordPlan(inv);
    const [, H, W] = inv.latentShape;
    const source = inv.prompts.source;
    const guidance = o.guidance ?? (inv.method === 'ef-ddpm' ? 9 : inv.method === 'ddcm' ? 2 : 7.5);
    const embeds = await this.model.encodePrompts([...targets, o.negativePrompt ?? inv.prompts.negative ?? '']);
    const negative = embeds[targets.length] as Float32Array;
    const targetConds: BranchConditioning[] = targets.map((_, i) => ({
      cond: embeds[i] as Float32Array,
      uncond: inv.method === 'negative-prompt' ? inv.conditioning.cond : negative,
      guidance: this.cfg(guidance),
    }));
    const steps = plan.timesteps.length;
    checkMemory(this.model, H, W, 2 * (targets.length + 1), `An edit with ${targets.length} target(s)`);
    const baseUnet = await this.model.controlledUnet(targets.length);
    const layers = attentionLayerInfo(baseUnet.config, baseUnet.graph.attentionLayers, H, W);
    const mapSize = chooseMapSize(layers, o.attention.resolution);
    const unet = await this.model.controlledUnet(targets.length, storeLayers(layers, mapSize));
    const attention = buildAttentionPlan(this.model.tokenizer, o.attention, source, targets, steps);
    const lb = buildLocalBlend(this.model.tokenizer, o.attention, [source, ...targets], steps);
    const userMask = mask ? this.latentMask(mask.image, inv, mask.mode ?? 'replace') : undefined;
    if (userMask && !lb) throw new RepriseError('CONFIG_INVALID', 'a mask needs attention.localBlend (the words whose region it replaces or refines)', { hint: "Add attention: { localBlend: ['word'] }." });
    // LCM: one embedding for every branch; the record's keeps the source branch exact unless a guidance is asked for.
    const tc = this.timestepCond(o.guidance ?? (this.model.isLcm ? this.recordEmbedding(inv) : guidance));
    const r = await runEditLoop({
      unet,
      record: inv,
      targets: targetConds,
      attention,
      storeSize: mapSize,
      ...(lb ? { localBlend: { ...lb, ...(userMask ? { userMask } : {}) } } : {}),
      ...(o.gamma !== undefined ? { overrides: { gamma: o.gamma } } : {}),
      ...(tc ? { timestepCond: tc } : {}),
      ...(targetScheduler ? { targetScheduler } : {}),
      onStep: (step, total) => onProgress?.({ phase: 'edit', step: step + 1, total }),
    });
    onProgress?.({ phase: 'decode', step: 0, total: targets.length + 1 });
    const images: RasterImage[] = [];
    for (let e = 1; e <= targets.length; e++) {
      const z = r.latents[e] as Float32Array;
      images.push(r.masks ? await decodeEdited(this.model, z, inv.z0, inv.latentShape, inv.pixels, r.masks[e] as Float32Array) : await decodeWithoutResidual(this.model, z, inv.latentShape, inv.pixels));
    }
    const sourceImage = await decodeToImage(this.model, r.latents[0] as Float32Array, inv.latentShape, inv.pixels);
    return {
      images,
      source: sourceImage,
      latents: r.latents,
      solver: targetScheduler ? `${inv.method}+${o.scheduler === undefined ? '' : (specForName(o.scheduler)?.id ?? o.scheduler)}${o.karras === true ? '-karras' : ''}` : inv.method,
      ...(r.masks ? { masks: r.masks } : {}),
      ...(r.store ? { attention: { size: mapSize, maps: r.store.average() } } : {}),
    };
  }

  /** A user mask image (same size as the input) → latent grid [h·w], 1 = editable. */
  private latentMask(image: RasterImage, inv: Inversion, mode: UserMask['mode']): UserMask {
    const info = inv.pixels?.image as { width: number; height: number } | undefined;
    if (!info || info.width !== image.width || info.height !== image.height) {
      throw new RepriseError('RUNTIME_INPUT', `the mask must have the input image's size${info ? ` (${info.width}×${info.height})` : ''}, got ${image.width}×${image.height}`, { hint: 'Draw the mask on the original image (white = edit).' });
    }
    const t = inv.pixels?.transform as { geometry: GeometryPlan };
    const [, h, w] = inv.latentShape;
    const f = t.geometry.modelWidth / w;
    // The record's own geometry (whatever multiple and size it was made with) maps the mask onto the model canvas.
    const gray = new Float32Array(image.width * image.height);
    const c = image.channels;
    const max = image.bitDepth === 16 ? 65535 : 255;
    for (let p = 0; p < gray.length; p++) gray[p] = ((image.data[p * c] as number) + (image.data[p * c + (c >= 3 ? 1 : 0)] as number) + (image.data[p * c + (c >= 3 ? 2 : 0)] as number)) / (3 * max);
    const canvas = toModelGeometry(gray, 1, t.geometry);
    const W = t.geometry.modelWidth;
    const out = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += canvas[(y * f + dy) * W + (x * f + dx)] as number;
        out[y * w + x] = s / (f * f) > 0.5 ? 1 : 0; // white (edit) where the cell is brighter than mid-grey
      }
    }
    return { mask: out, mode };
  }

  /** Generates an image from a prompt; its record is exact by construction, so it edits like an inverted photo. `solver`: the method, or the solver id (`<id>+ts` with time shift). */
  async generate(prompt: string, options: GenerateOptions & CallOptions = {}): Promise<{ image: RasterImage; inversion: Inversion; solver: string }> {
    const { onProgress, ...rest } = options;
    const o = parseOptions(generateOptionsSchema, rest, 'generate');
    const size = this.model.nativeSize;
    const f = this.model.vaeScaleFactor;
    const width = o.width ?? size;
    const height = o.height ?? size;
    if (width % f !== 0 || height % f !== 0) throw new RepriseError('CONFIG_INVALID', `width and height must be multiples of ${f}, got ${width}×${height}`, { hint: `Use e.g. ${size}×${size}.` });
    const shape: [number, number, number] = [4, height / f, width / f];
    const steps = o.steps ?? this.defaultSteps();
    const plan = this.plan(steps, shape);
    const [cond, uncond] = await this.model.encodePrompts([prompt, o.negativePrompt]);
    const conditioning: BranchConditioning = { cond: cond as Float32Array, uncond: uncond as Float32Array, guidance: this.cfg(o.guidance) };
    const call = { ...(onProgress ? { onProgress } : {}) };
    const spec = generationSolver(o.scheduler, o.method, this.model.schedulerClassName);
    if (o.karras === true && spec === undefined) throw new RepriseError('CONFIG_INVALID', 'karras needs a scheduler with Karras σ', { hint: 'Pass scheduler (e.g. "dpm-solver++", "euler", "heun", "unipc") with karras.' });
    const shifted = checkGenerationTimeShift(o.timeShift, spec);
    const method = o.method ?? 'ddim';
    const inversion = await generateLatent({
      plan,
      schedulerConfig: this.model.schedulerConfig,
      predict: this.predictor(plan, [conditioning], o.guidance, 'generate', call),
      conditioning,
      ...this.embedded(o.guidance),
      prompt,
      negativePrompt: o.negativePrompt,
      modelId: this.modelId(),
      seed: o.seed,
      method,
      ...(o.latents ? { start: o.latents } : {}),
      ...(shifted && o.timeShift ? { timeShift: o.timeShift } : {}),
      ...(spec ? { scheduler: this.solverConfig(spec.className as SchedulerClassName, o.karras === true, steps, o.guidance, shape), solver: { id: spec.id, ...(o.karras === true ? { karras: true } : {}) }, invertPredict: this.predictor(plan, [conditioning], o.guidance, 'invert', call) } : {}),
    });
    return { image: await decodeToImage(this.model, inversion.z0, shape, undefined), inversion, solver: spec ? `${spec.id}${shifted ? '+ts' : ''}` : method };
  }

  /**
   * The folder's scheduler as `className`; DC-Solver with the ratios fitted for this model, steps
   * and guidance (or the cascade's prediction) from the solver-fit cache (`reprise fit-solver dc`);
   * DPM-Solver-v3 with the statistics fitted for this model, guidance and latent shape.
   */
  solverConfig(className: SchedulerClassName, karras: boolean, steps: number, guidance: number, latentShape: readonly [number, number, number]): SchedulerConfig {
    const config = this.model.scheduler(className, { karras });
    if (config.className === 'DCSolverMultistepScheduler') return { ...config, dcRatios: dcRatiosFor(this.modelId(), config.timestepSpacing, steps, guidance).ratios };
    return withSolverStatistics(config, { modelId: this.modelId(), guidance, latentShape });
  }

  /** Cross-attention maps of the source prompt while regenerating the record, as heatmaps over its image. */
  async attentionMaps(inv: Inversion, options: CallOptions & { resolution?: number } = {}): Promise<AttentionMapsResult> {
    const attention = parseOptions(attentionOptionsSchema, { edit: 'none', selfReplace: 0, ...(options.resolution ? { resolution: options.resolution } : {}) }, 'maps');
    const r = await this.edit(inv, { prompt: inv.prompts.source, attention, guidance: this.model.isLcm ? this.recordEmbedding(inv) : inv.conditioning.guidance, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    const image = r.source;
    const maps = r.attention?.maps[0] as Float32Array;
    const size = r.attention?.size as readonly [number, number];
    const tokens = tokenHeatmaps(this.model.tokenizer, inv.prompts.source, maps, size, toRgb8(image));
    return { size, tokens, grid: await heatmapGrid(toRgb8(image), tokens), image };
  }
}

/** 8-bit RGB view of any raster (for overlays). */
function toRgb8(img: RasterImage): RasterImage {
  if (img.channels === 3 && img.bitDepth === 8) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const max = img.bitDepth === 16 ? 257 : 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const src = img.channels >= 3 ? c : 0;
      out[i * 3 + c] = Math.round((img.data[i * img.channels + src] as number) / max);
    }
  }
  return { width: img.width, height: img.height, channels: 3, bitDepth: 8, data: out };
}

export { ControlledUnetModel };
