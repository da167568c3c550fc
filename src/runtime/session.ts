/**
 * The one module that talks to onnxruntime-node: creates sessions on a device, checks feeds
 * against the model's inputs, and returns outputs as float32/int64 host arrays.
 */
import * as ort from 'onnxruntime-node';
import { RepriseError } from '../errors.js';
import { resolveDevice, type Device } from './device.js';

/** Host tensor passed to or returned from a session. */
export interface HostTensor {
  readonly data: Float32Array | BigInt64Array | Int32Array;
  readonly dims: readonly number[];
}

/** Session options. */
export interface SessionOptions {
  readonly device?: Device;
  /** GPU index for CUDA. */
  readonly deviceId?: number;
  /** CPU threads inside one op (default: onnxruntime's choice). */
  readonly intraOpThreads?: number;
  /** A label used in error messages (e.g. "unet"). */
  readonly label?: string;
  /**
   * onnxruntime's deterministic compute (`session.use_deterministic_compute`): kernels with a
   * deterministic variant use it (cuDNN convolution algorithms, reductions). Default false.
   */
  readonly deterministic?: boolean;
  /**
   * CUDA only: what happens when nodes would run on the CPU provider. 'warn' (default) first
   * creates the session with CPU fallback disabled and, if onnxruntime refuses, creates it again
   * with fallback and reports it (`ModelSession.cpuFallback`, a process warning); 'error' throws.
   */
  readonly cpuFallback?: 'warn' | 'error';
  /**
   * onnxruntime's CPU memory arena (default on). Off, large activations go back to the system
   * after each run instead of staying reserved by this session (worth it for a component run
   * rarely with big activations, such as the VAE at 512²; the results are the same).
   */
  readonly memoryArena?: boolean;
}

/** The onnxruntime session options for a device: one place for providers and session config entries. */
export function sessionOptionsFor(
  device: Device,
  options: Pick<SessionOptions, 'deviceId' | 'intraOpThreads' | 'deterministic' | 'memoryArena'> & { readonly allowCpuFallback?: boolean } = {},
): ort.InferenceSession.SessionOptions {
  const session: Record<string, string> = {};
  if (options.deterministic === true) session['session.use_deterministic_compute'] = '1';
  if (device === 'cuda' && options.allowCpuFallback === false) session['session.disable_cpu_ep_fallback'] = '1';
  return {
    executionProviders: device === 'cuda' ? [{ name: 'cuda', deviceId: options.deviceId ?? 0 }] : ['cpu'],
    graphOptimizationLevel: 'all',
    // Shapes are fixed per graph, so the memory pattern planned on the first run is reused.
    enableMemPattern: true,
    ...(options.memoryArena === false ? { enableCpuMemArena: false } : {}),
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(Object.keys(session).length > 0 ? { extra: { session } } : {}),
  };
}

/** Whether an onnxruntime error says nodes would have fallen back to the CPU provider. */
export function isCpuFallbackRefusal(e: unknown): boolean {
  return /fallback to CPU EP has been explicitly disabled/i.test(e instanceof Error ? e.message : String(e));
}

/** One loaded graph. */
export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
    readonly label: string,
    /** CUDA: some nodes run on the CPU provider (host↔device copies inside each run). */
    readonly cpuFallback: boolean = false,
  ) {}

  /** Loads a model from a file path (external data is found next to it) or from bytes. */
  static async create(model: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    const device = resolveDevice(options.device ?? 'cpu');
    const label = options.label ?? (typeof model === 'string' ? model : 'model');
    const base = { ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}), ...(options.intraOpThreads !== undefined ? { intraOpThreads: options.intraOpThreads } : {}), ...(options.deterministic !== undefined ? { deterministic: options.deterministic } : {}), ...(options.memoryArena !== undefined ? { memoryArena: options.memoryArena } : {}) };
    const open = (so: ort.InferenceSession.SessionOptions) => (typeof model === 'string' ? ort.InferenceSession.create(model, so) : ort.InferenceSession.create(model, so));
    try {
      if (device !== 'cuda') return new ModelSession(await open(sessionOptionsFor(device, base)), device, label);
      try {
        return new ModelSession(await open(sessionOptionsFor(device, { ...base, allowCpuFallback: false })), device, label);
      } catch (e) {
        if (!isCpuFallbackRefusal(e)) throw e;
        if (options.cpuFallback === 'error') {
          throw new RepriseError('RUNTIME_DEVICE', `${label}: some nodes have no CUDA kernel and would run on the CPU: ${(e as Error).message}`, {
            hint: 'Use cpuFallback: \'warn\' to run them on the CPU anyway, or report the graph (dtype, attention lowering) so it can be changed.',
            cause: e,
          });
        }
        process.emitWarning(`${label}: some nodes run on the CPU provider (host↔device copies inside each run)`, { code: 'REPRISE_CPU_FALLBACK' });
        return new ModelSession(await open(sessionOptionsFor(device, base)), device, label, true);
      }
    } catch (e) {
      if (e instanceof RepriseError) throw e;
      throw new RepriseError('RUNTIME_FAILURE', `onnxruntime could not load ${label} on ${device}: ${(e as Error).message}`, {
        hint: device === 'cuda' ? 'Run `reprise doctor` to check the CUDA provider, CUDA and cuDNN libraries.' : 'Delete the compiled-graph cache folder and retry; report the error if it persists.',
        cause: e,
      });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph. Feeds must name exactly the model's inputs. */
  async run(feeds: Record<string, HostTensor>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    const given = Object.keys(feeds);
    const missing = this.inputNames.filter((n) => !given.includes(n));
    const unknown = given.filter((n) => !this.inputNames.includes(n));
    if (missing.length > 0 || unknown.length > 0) {
      throw new RepriseError(
        'RUNTIME_INPUT',
        `${this.label}: ${missing.length > 0 ? `missing input(s) ${missing.join(', ')}` : ''}${missing.length > 0 && unknown.length > 0 ? '; ' : ''}${unknown.length > 0 ? `unknown input(s) ${unknown.join(', ')}` : ''}`,
        { hint: `The model takes: ${this.inputNames.join(', ')}.` },
      );
    }
    const wanted = outputs ?? this.outputNames;
    const bad = wanted.filter((n) => !this.outputNames.includes(n));
    if (bad.length > 0) {
      throw new RepriseError('RUNTIME_INPUT', `${this.label}: unknown output(s) ${bad.join(', ')}`, { hint: `The model produces: ${this.outputNames.join(', ')}.` });
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const type = t.data instanceof Float32Array ? 'float32' : t.data instanceof BigInt64Array ? 'int64' : 'int32';
      const numel = t.dims.reduce((a, b) => a * b, 1);
      if (numel !== t.data.length) {
        throw new RepriseError('RUNTIME_INPUT', `${this.label}: input "${name}" has ${t.data.length} values for dims [${t.dims.join(', ')}]`, { hint: 'Pass data whose length is the product of dims.' });
      }
      ortFeeds[name] = new ort.Tensor(type, t.data, [...t.dims]);
    }
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run(ortFeeds, [...wanted]);
    } catch (e) {
      throw new RepriseError('RUNTIME_FAILURE', `${this.label}: inference failed on ${this.device}: ${(e as Error).message}`, {
        hint: 'Check input shapes (batch sizes must agree; spatial sizes must be multiples of the model\'s downsampling factor).',
        cause: e,
      });
    }
    const out: Record<string, HostTensor> = {};
    for (const name of wanted) {
      const t = result[name] as ort.Tensor;
      out[name] = { data: t.data as Float32Array | BigInt64Array | Int32Array, dims: [...t.dims] };
    }
    return out;
  }

  /** Frees native memory. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
