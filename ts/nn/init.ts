/**
 * Weight initialisation in place, as torch.nn.init: each function overwrites a tensor's values
 * (outside autograd) and returns it. Random ones take `{ seed }`; without it the global stream
 * (manualSeed) is used.
 *
 * Fans follow knobs' layout, not PyTorch's: a Linear weight is [in, out], so fanIn = shape[0] and
 * fanOut = shape[1] (PyTorch reads them the other way round from its [out, in]); a tensor of rank
 * > 2 is taken as [in, out, ...receptive field] and both fans are multiplied by the field's size.
 * The same layer therefore gets the same distribution as in PyTorch.
 */
import { K } from '../backend/wasm.js';
import { KnobsError, fmtShape } from '../errors.js';
import { seedFor } from '../random.js';
import { Tensor } from '../tensor.js';

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

function checkTensor(t: unknown, op: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new KnobsError(`${op}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
}

function checkSeed(seed: unknown, op: string): void {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new KnobsError(`${op}: seed must be a finite number, got ${seed}`);
}

/** The gain that keeps activations' variance stable through `nonlinearity` (PyTorch's values). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new KnobsError(`calculateGain: negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new KnobsError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)} (linear, sigmoid, tanh, relu, leaky_relu, selu)`);
  }
}

/** [fanIn, fanOut] of a weight in knobs' [in, out, ...receptive] layout. */
export function fans(t: Tensor, op = 'fans'): [fanIn: number, fanOut: number] {
  checkTensor(t, op);
  if (t.shape.length < 2) throw new KnobsError(`${op}: fan in and fan out need a tensor of rank ≥ 2 ([in, out]), got ${fmtShape(t.shape)}`);
  const field = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[0] * field, t.shape[1] * field];
}

function uniform(t: Tensor, bound: number, seed: number | undefined): Tensor {
  const [lo, hi] = seedFor(seed);
  if (t.size > 0) K().fill_uniform(t.ptr, t.size, lo, hi, -bound, bound);
  return t;
}
function normal(t: Tensor, std: number, seed: number | undefined): Tensor {
  const [lo, hi] = seedFor(seed);
  if (t.size > 0) K().fill_normal(t.ptr, t.size, lo, hi, 0, std);
  return t;
}

function gainOf(gain: unknown, op: string): number {
  const g = gain ?? 1;
  if (typeof g !== 'number' || !Number.isFinite(g)) throw new KnobsError(`${op}: gain must be a finite number, got ${g}`);
  return g;
}

export interface XavierOptions {
  /** Default 1; use calculateGain(nonlinearity) for the layer's activation. */
  gain?: number;
  seed?: number;
}

/** Glorot: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, opts: XavierOptions = {}): Tensor {
  const op = 'xavierUniform';
  const [fi, fo] = fans(t, op);
  checkSeed(opts.seed, op);
  return uniform(t, gainOf(opts.gain, op) * Math.sqrt(6 / (fi + fo)), opts.seed);
}

/** Glorot: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, opts: XavierOptions = {}): Tensor {
  const op = 'xavierNormal';
  const [fi, fo] = fans(t, op);
  checkSeed(opts.seed, op);
  return normal(t, gainOf(opts.gain, op) * Math.sqrt(2 / (fi + fo)), opts.seed);
}

export interface KaimingOptions {
  /** Negative slope of leaky_relu. Default 0. */
  a?: number;
  /** 'fanIn' (default) keeps the forward pass's variance, 'fanOut' the backward pass's. */
  mode?: FanMode;
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
  seed?: number;
}

function kaimingStd(t: Tensor, opts: KaimingOptions, op: string): number {
  const [fi, fo] = fans(t, op);
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new KnobsError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  checkSeed(opts.seed, op);
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return gain / Math.sqrt(mode === 'fanIn' ? fi : fo);
}

/** He: U(−b, b) with b = gain·√(3 / fan). */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return uniform(t, Math.sqrt(3) * kaimingStd(t, opts, 'kaimingUniform'), opts.seed);
}

/** He: N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal(t, kaimingStd(t, opts, 'kaimingNormal'), opts.seed);
}

/**
 * A (semi-)orthogonal matrix times gain (Saxe et al.; PyTorch's algorithm: QR of a normal draw,
 * signs fixed). The tensor is viewed as [shape[0], rest]: tall → orthonormal columns (WᵀW = I, the
 * case of a knobs Linear weight [in, out] with in ≥ out), wide → orthonormal rows.
 */
export function orthogonal(t: Tensor, opts: { gain?: number; seed?: number } = {}): Tensor {
  const op = 'orthogonal';
  checkTensor(t, op);
  if (t.shape.length < 2) throw new KnobsError(`${op}: needs a tensor of rank ≥ 2, got ${fmtShape(t.shape)}`);
  checkSeed(opts.seed, op);
  const gain = gainOf(opts.gain, op);
  const [lo, hi] = seedFor(opts.seed);
  const rows = t.shape[0];
  if (t.size > 0) K().orthogonal(t.ptr, rows, t.size / rows, lo, hi, gain);
  return t;
}

export function constant(t: Tensor, value: number): Tensor {
  checkTensor(t, 'constant');
  if (typeof value !== 'number') throw new KnobsError(`constant: value must be a number, got ${typeof value}`);
  t.data.fill(value);
  return t;
}
export function zeros(t: Tensor): Tensor {
  checkTensor(t, 'zeros');
  return constant(t, 0);
}
export function ones(t: Tensor): Tensor {
  checkTensor(t, 'ones');
  return constant(t, 1);
}
