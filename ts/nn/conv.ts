/**
 * Convolutional layers with PyTorch's names, arguments and defaults (NCHW): Conv2d, Conv1d,
 * MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten. The arithmetic is the ops' (ops/conv.ts);
 * a layer checks its options when built and its input's channels when called, and puts its own
 * description in front of any geometry error, so a failure names the layer, not just the op.
 * Batch normalisation is in batchnorm.ts.
 */
import { KnobsError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { avgPool2d, conv1d, conv2d, conv2dAct, conv2dActPool, maxPool2d, type Conv2dOptions } from '../ops/conv.js';
import type { DenseActivation } from '../ops/dense.js';
import { cat } from '../ops/join.js';
import { narrow } from '../ops/layout.js';
import { mean } from '../ops/reduce.js';
import { flatten } from '../ops/shape.js';
import { Rng } from '../random.js';
import { Tensor, rand } from '../tensor.js';
import { checkConfigKeys, optionalBool, optionalInt, optionalSeed, positiveInt, type JsonObject, type JsonValue } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

export type Pair = number | [number, number];
export type Padding = Pair | 'same' | 'valid';

function toPair(where: string, name: string, v: unknown, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new KnobsError(`${where}: ${name} must be an integer ≥ ${min} or a pair of them, got ${fmtValue(v)}`);
  }
  return [p[0], p[1]];
}

function toPadding(where: string, v: unknown): [number, number] | 'same' | 'valid' {
  return v === 'same' || v === 'valid' ? v : toPair(where, 'padding', v, 0);
}

/** Runs an op, prefixing its geometry error with the layer, so the message says which layer failed. */
function named<T>(layer: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`${layer}: ${e.message}`);
    if (e instanceof KnobsError) throw new KnobsError(`${layer}: ${e.message}`);
    throw e;
  }
}

function checkInput(layer: string, x: Tensor, rank: number, axes: string, channels?: number): void {
  if (!(x instanceof Tensor)) throw new KnobsError(`${layer}: input must be a Tensor, got ${fmtValue(x)}`);
  if (x.rank !== rank) throw new ShapeError(`${layer}: input must be ${rank}-D [${axes}], got ${fmtShape(x.shape)}`);
  if (channels !== undefined && x.shape[1] !== channels) throw new ShapeError(`${layer}: input ${fmtShape(x.shape)} has ${x.shape[1]} channels, expected ${channels}`);
}

export interface Conv2dLayerOptions {
  /** Default 1. */
  stride?: Pair;
  /** Default 0; 'same' keeps the input size (stride 1, odd dilated kernel), 'valid' is 0. */
  padding?: Padding;
  /** Default 1. */
  dilation?: Pair;
  /** Default 1; must divide inChannels and outChannels. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Seed of the initial weights; without it the global stream (manualSeed) is used. */
  seed?: number;
}

/** What Conv2d and Conv1d share: argument checks, PyTorch's init, config. */
abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly groups: number;
  protected readonly seed: number | undefined;
  constructor(
    protected readonly layerType: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: number[],
    opts: { groups?: number; bias?: boolean; seed?: number },
  ) {
    super();
    const where = layerType;
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`${where}: ${n} must be a positive integer, got ${fmtValue(v)}`);
    }
    const groups = opts.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new KnobsError(`${where}: groups must be a positive integer, got ${fmtValue(groups)}`);
    if (inChannels % groups || outChannels % groups) throw new KnobsError(`${where}: groups ${groups} must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') throw new KnobsError(`${where}: bias must be true or false, got ${fmtValue(opts.bias)}`);
    if (opts.seed !== undefined && !(Number.isSafeInteger(opts.seed) && opts.seed >= 0)) throw new KnobsError(`${where}: seed must be a non-negative integer, got ${fmtValue(opts.seed)}`);
    this.groups = groups;
    this.seed = opts.seed;
    // PyTorch's default (kaiming_uniform with a = √5): U(−1/√fanIn, 1/√fanIn) for weight and bias,
    // fanIn = inChannels/groups · kernel area — what one output value sums over.
    const fanIn = (inChannels / groups) * kernel.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const seeds = opts.seed === undefined ? undefined : new Rng(opts.seed);
    const s = () => (seeds ? seeds.nextU32() : undefined);
    this.weight = this.addParameter('weight', rand([outChannels, inChannels / groups, ...kernel], { low: -bound, high: bound, seed: s() }));
    this.bias = opts.bias === false ? null : this.addParameter('bias', rand([outChannels], { low: -bound, high: bound, seed: s() }));
  }
  protected baseConfig(): JsonObject {
    const c: JsonObject = { inChannels: this.inChannels, outChannels: this.outChannels, groups: this.groups, bias: this.bias !== null };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateBase(config: JsonObject, where: string, extra: string[]): Record<string, unknown> {
    const c = checkConfigKeys(config, ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'seed', ...extra], where);
    positiveInt(c, 'inChannels', where);
    positiveInt(c, 'outChannels', where);
    optionalInt(c, 'groups', where);
    optionalBool(c, 'bias', where);
    optionalSeed(c, where);
    return c;
  }
}

/** 2-D convolution over [N, C, H, W]; weight [outChannels, inChannels/groups, kh, kw], bias [outChannels]. */
export class Conv2d extends ConvNd {
  // Typed as string so a subclass can register under its own type.
  static readonly type: string = 'Conv2d';
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    // Everything is checked before the weights are allocated.
    checkConfigKeys(opts, ['stride', 'padding', 'dilation', 'groups', 'bias', 'seed'], 'Conv2d');
    const k = toPair('Conv2d', 'kernelSize', kernelSize, 1);
    const stride = toPair('Conv2d', 'stride', opts.stride ?? 1, 1);
    const padding = toPadding('Conv2d', opts.padding ?? 0);
    const dilation = toPair('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    if (padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) throw new KnobsError(`Conv2d: padding 'same' needs stride 1, got ${fmtValue(stride)}`);
    super('Conv2d', inChannels, outChannels, k, opts);
    this.kernelSize = k;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
  }
  /** How errors name this layer: Conv2d(1, 16, kernelSize=[3,3]). */
  get label(): string {
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)})`;
  }
  private opOptions(): Conv2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
  forward(x: Tensor): Tensor {
    checkInput(this.label, x, 4, 'batch, channels, height, width', this.inChannels);
    return named(this.label, () => conv2d(x, this.weight, this.bias, this.opOptions()));
  }
  /** forward followed by an activation (Sequential fuses the two; same math). */
  forwardWith(x: Tensor, activation: DenseActivation): Tensor {
    checkInput(this.label, x, 4, 'batch, channels, height, width', this.inChannels);
    return named(this.label, () => conv2dAct(x, this.weight, this.bias, this.opOptions(), activation));
  }
  /** forward, an activation and a 2×2 max pool, fused in inference (same math); null: run them apart (see conv2dActPool). */
  forwardPooled(x: Tensor, activation: DenseActivation): Tensor | null {
    checkInput(this.label, x, 4, 'batch, channels, height, width', this.inChannels);
    return named(this.label, () => conv2dActPool(x, this.weight, this.bias, this.opOptions(), activation));
  }
  override config(): JsonObject {
    return { ...this.baseConfig(), kernelSize: [...this.kernelSize], stride: [...this.stride], padding: typeof this.padding === 'string' ? this.padding : [...this.padding], dilation: [...this.dilation] };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = ConvNd.validateBase(config, where, []);
    toPair(where, 'kernelSize', c.kernelSize, 1);
    if (c.stride !== undefined) toPair(where, 'stride', c.stride, 1);
    if (c.padding !== undefined) toPadding(where, c.padding);
    if (c.dilation !== undefined) toPair(where, 'dilation', c.dilation, 1);
  }
  static fromConfig(config: JsonObject): Conv2d {
    Conv2d.validateConfig(config, 'Conv2d.fromConfig');
    const c = config as Record<string, JsonValue | undefined>;
    return new Conv2d(c.inChannels as number, c.outChannels as number, c.kernelSize as Pair, {
      stride: c.stride as Pair | undefined,
      padding: c.padding as Padding | undefined,
      dilation: c.dilation as Pair | undefined,
      groups: c.groups as number | undefined,
      bias: c.bias as boolean | undefined,
      seed: c.seed as number | undefined,
    });
  }
}

export interface Conv1dLayerOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  seed?: number;
}

/** 1-D convolution over [N, C, L]; weight [outChannels, inChannels/groups, k]. */
export class Conv1d extends ConvNd {
  static readonly type = 'Conv1d';
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: Conv1dLayerOptions = {}) {
    const int = (name: string, v: unknown, min: number) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new KnobsError(`Conv1d: ${name} must be an integer ≥ ${min}, got ${fmtValue(v)}`);
      return v;
    };
    checkConfigKeys(opts, ['stride', 'padding', 'dilation', 'groups', 'bias', 'seed'], 'Conv1d');
    const k = int('kernelSize', kernelSize, 1);
    const stride = int('stride', opts.stride ?? 1, 1);
    const padding = opts.padding === 'same' || opts.padding === 'valid' ? opts.padding : int('padding', opts.padding ?? 0, 0);
    const dilation = int('dilation', opts.dilation ?? 1, 1);
    if (padding === 'same' && stride !== 1) throw new KnobsError(`Conv1d: padding 'same' needs stride 1, got ${stride}`);
    super('Conv1d', inChannels, outChannels, [k], opts);
    this.kernelSize = k;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
  }
  get label(): string {
    return `Conv1d(${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize})`;
  }
  forward(x: Tensor): Tensor {
    checkInput(this.label, x, 3, 'batch, channels, length', this.inChannels);
    return named(this.label, () => conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }));
  }
  override config(): JsonObject {
    return { ...this.baseConfig(), kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = ConvNd.validateBase(config, where, []);
    positiveInt(c, 'kernelSize', where);
    if (c.stride !== undefined) positiveInt(c, 'stride', where);
    if (c.padding !== undefined && c.padding !== 'same' && c.padding !== 'valid' && !(Number.isInteger(c.padding) && (c.padding as number) >= 0)) {
      throw new KnobsError(`${where}: padding must be an integer ≥ 0, 'same' or 'valid', got ${JSON.stringify(c.padding)}`);
    }
    if (c.dilation !== undefined) positiveInt(c, 'dilation', where);
  }
  static fromConfig(config: JsonObject): Conv1d {
    Conv1d.validateConfig(config, 'Conv1d.fromConfig');
    const c = config as Record<string, JsonValue | undefined>;
    return new Conv1d(c.inChannels as number, c.outChannels as number, c.kernelSize as number, {
      stride: c.stride as number | undefined,
      padding: c.padding as number | 'same' | 'valid' | undefined,
      dilation: c.dilation as number | undefined,
      groups: c.groups as number | undefined,
      bias: c.bias as boolean | undefined,
      seed: c.seed as number | undefined,
    });
  }
}

interface PoolGeometry {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}

function poolGeometry(where: string, kernelSize: unknown, stride: unknown, padding: unknown): PoolGeometry {
  const size = toPair(where, 'kernelSize', kernelSize, 1);
  const s = stride === undefined || stride === null ? size : toPair(where, 'stride', stride, 1);
  const p = toPair(where, 'padding', padding ?? 0, 0);
  if (p[0] * 2 > size[0] || p[1] * 2 > size[1]) throw new KnobsError(`${where}: padding ${fmtShape(p)} must be at most half the kernel ${fmtShape(size)}`);
  return { kernelSize: size, stride: s, padding: p };
}

export interface MaxPool2dOptions {
  /** Default: kernelSize (non-overlapping windows). */
  stride?: Pair;
  /** Default 0, at most half the kernel. */
  padding?: Pair;
  /** Default 1. */
  dilation?: Pair;
}

/** Max over kernelSize windows of [N, C, H, W]; the gradient goes to each window's first maximum. */
export class MaxPool2d extends Module {
  static readonly type = 'MaxPool2d';
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  constructor(kernelSize: Pair, opts: MaxPool2dOptions = {}) {
    super();
    checkConfigKeys(opts, ['stride', 'padding', 'dilation'], 'MaxPool2d');
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = poolGeometry('MaxPool2d', kernelSize, opts.stride, opts.padding));
    this.dilation = toPair('MaxPool2d', 'dilation', opts.dilation ?? 1, 1);
  }
  get label(): string {
    return `MaxPool2d(kernelSize=${fmtShape(this.kernelSize)})`;
  }
  forward(x: Tensor): Tensor {
    checkInput(this.label, x, 4, 'batch, channels, height, width');
    return named(this.label, () => maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation }));
  }
  /** Whether this is the plain 2×2 pool (stride 2, no padding or dilation) that Conv2d.forwardPooled fuses. */
  get isPool2(): boolean {
    return [...this.kernelSize, ...this.stride].every((v) => v === 2) && this.padding.every((v) => v === 0) && this.dilation.every((v) => v === 1);
  }
  override config(): JsonObject {
    return { kernelSize: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding], dilation: [...this.dilation] };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['kernelSize', 'stride', 'padding', 'dilation'], where);
    poolGeometry(where, c.kernelSize, c.stride, c.padding);
    if (c.dilation !== undefined) toPair(where, 'dilation', c.dilation, 1);
  }
  static fromConfig(config: JsonObject): MaxPool2d {
    MaxPool2d.validateConfig(config, 'MaxPool2d.fromConfig');
    return new MaxPool2d(config.kernelSize as Pair, { stride: config.stride as Pair | undefined, padding: config.padding as Pair | undefined, dilation: config.dilation as Pair | undefined });
  }
}

export interface AvgPool2dOptions {
  /** Default: kernelSize. */
  stride?: Pair;
  /** Default 0, at most half the kernel. */
  padding?: Pair;
  /** Padding cells count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Mean over kernelSize windows of [N, C, H, W]. */
export class AvgPool2d extends Module {
  static readonly type = 'AvgPool2d';
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly countIncludePad: boolean;
  constructor(kernelSize: Pair, opts: AvgPool2dOptions = {}) {
    super();
    checkConfigKeys(opts, ['stride', 'padding', 'countIncludePad'], 'AvgPool2d');
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = poolGeometry('AvgPool2d', kernelSize, opts.stride, opts.padding));
    if (opts.countIncludePad !== undefined && typeof opts.countIncludePad !== 'boolean') throw new KnobsError(`AvgPool2d: countIncludePad must be true or false, got ${fmtValue(opts.countIncludePad)}`);
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  get label(): string {
    return `AvgPool2d(kernelSize=${fmtShape(this.kernelSize)})`;
  }
  forward(x: Tensor): Tensor {
    checkInput(this.label, x, 4, 'batch, channels, height, width');
    return named(this.label, () => avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad }));
  }
  override config(): JsonObject {
    return { kernelSize: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding], countIncludePad: this.countIncludePad };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['kernelSize', 'stride', 'padding', 'countIncludePad'], where);
    poolGeometry(where, c.kernelSize, c.stride, c.padding);
    optionalBool(c, 'countIncludePad', where);
  }
  static fromConfig(config: JsonObject): AvgPool2d {
    AvgPool2d.validateConfig(config, 'AvgPool2d.fromConfig');
    return new AvgPool2d(config.kernelSize as Pair, { stride: config.stride as Pair | undefined, padding: config.padding as Pair | undefined, countIncludePad: config.countIncludePad as boolean | undefined });
  }
}

/** PyTorch's adaptive windows along one axis: output i averages [⌊i·n/out⌋, ⌈(i+1)·n/out⌉). */
function adaptiveAxis(x: Tensor, axis: number, out: number): Tensor {
  const n = x.shape[axis];
  if (n === out) return x;
  const parts: Tensor[] = [];
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    parts.push(mean(narrow(x, axis, start, end - start), { axis, keepDims: true }));
  }
  return cat(parts, axis);
}

/**
 * Averages [N, C, H, W] down to [N, C, outH, outW] whatever H and W are (PyTorch's windows, which
 * may overlap by one when the size does not divide). When it divides, this is one avgPool2d with
 * kernel = stride = size / out; otherwise rows, then columns, are averaged window by window —
 * the mean over a rectangle is the mean of its row means, so the two passes give the same value.
 */
export class AdaptiveAvgPool2d extends Module {
  static readonly type = 'AdaptiveAvgPool2d';
  readonly outputSize: [number, number];
  constructor(outputSize: Pair) {
    super();
    this.outputSize = toPair('AdaptiveAvgPool2d', 'outputSize', outputSize, 1);
  }
  get label(): string {
    return `AdaptiveAvgPool2d(outputSize=${fmtShape(this.outputSize)})`;
  }
  forward(x: Tensor): Tensor {
    checkInput(this.label, x, 4, 'batch, channels, height, width');
    const [oh, ow] = this.outputSize;
    const [, , h, w] = x.shape;
    if (h < oh || w < ow) throw new ShapeError(`${this.label}: input ${fmtShape(x.shape)} is smaller than the output size ${fmtShape(this.outputSize)}`);
    if (h % oh === 0 && w % ow === 0) return avgPool2d(x, [h / oh, w / ow]);
    return adaptiveAxis(adaptiveAxis(x, 2, oh), 3, ow);
  }
  override config(): JsonObject {
    return { outputSize: [...this.outputSize] };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['outputSize'], where);
    toPair(where, 'outputSize', c.outputSize, 1);
  }
  static fromConfig(config: JsonObject): AdaptiveAvgPool2d {
    AdaptiveAvgPool2d.validateConfig(config, 'AdaptiveAvgPool2d.fromConfig');
    return new AdaptiveAvgPool2d(config.outputSize as Pair);
  }
}

/** Merges axes startDim..endDim into one (default: everything but the batch axis). Shares memory. */
export class Flatten extends Module {
  static readonly type = 'Flatten';
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    for (const [n, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(v)) throw new KnobsError(`Flatten: ${n} must be an integer, got ${fmtValue(v)}`);
    }
  }
  forward(x: Tensor): Tensor {
    return named(`Flatten(${this.startDim}, ${this.endDim})`, () => flatten(x, this.startDim, this.endDim));
  }
  override config(): JsonObject {
    return { startDim: this.startDim, endDim: this.endDim };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['startDim', 'endDim'], where);
    optionalInt(c, 'startDim', where);
    optionalInt(c, 'endDim', where);
  }
  static fromConfig(config: JsonObject): Flatten {
    Flatten.validateConfig(config, 'Flatten.fromConfig');
    return new Flatten((config.startDim as number | undefined) ?? 1, (config.endDim as number | undefined) ?? -1);
  }
}

for (const cls of [Conv2d, Conv1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten]) register(cls);
