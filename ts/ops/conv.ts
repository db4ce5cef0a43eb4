/**
 * Convolution and pooling on NCHW tensors (PyTorch's layout and semantics: cross-correlation,
 * weight [out, in/groups, kh, kw]). The arithmetic is in Rust (kernels/conv.rs: im2col + the packed
 * GEMM on the thread pool, col2im for the input gradient); this file checks geometry — before
 * anything is allocated — and wires autograd.
 */
import { K } from '../backend/wasm.js';
import { gradTarget, isGradEnabled, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';
import { checkOptions } from '../options.js';
import { denseActivationCode } from '../backend/codes.js';
import { relu, sigmoid, tanh } from './activations.js';
import type { DenseActivation } from './dense.js';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Default 1. */
  stride?: Pair;
  /** Zeros added on each side (default 0), or 'valid' (0) or 'same' (output as large as the input; stride 1 and odd effective kernel). */
  padding?: Pair | 'same' | 'valid';
  /** Default 1. */
  dilation?: Pair;
  /** Input and output channels split into this many independent groups. Default 1. */
  groups?: number;
}

export interface Pool2dOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: Pair;
  /** Default 0; at most half the kernel, as in PyTorch. */
  padding?: Pair;
  /** Max pooling only. Default 1. */
  dilation?: Pair;
  /** Average pooling only: padding cells count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new KnobsError(`${op}: ${name} must be an integer ≥ ${min} or a pair of them, got ${fmtValue(v)}`);
  }
  return [p[0], p[1]];
}

/** Output size along one axis; a ShapeError when the dilated kernel does not fit the padded input. */
function outSize(op: string, what: string, x: Tensor, size: number, k: number, s: number, p: number, d: number): number {
  const ext = d * (k - 1) + 1;
  if (size + 2 * p < ext) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} is smaller along ${what} (${size} + 2·${p} padding) than the kernel (${ext} with dilation ${d})`);
  return Math.floor((size + 2 * p - ext) / s) + 1;
}

/** The 14 numbers kernels/conv.rs reads: n c h w o kh kw sh sw ph pw dh dw groups. */
function geomOf(n: number, c: number, h: number, w: number, o: number, kernel: number[], s: number[], p: number[], d: number[], groups: number): Uint32Array {
  return Uint32Array.from([n, c, h, w, o, kernel[0], kernel[1], s[0], s[1], p[0], p[1], d[0], d[1], groups]);
}

/** y = conv2d(x, weight) + bias for x [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] or null. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dAct(x, weight, bias, opts, 'none');
}

/**
 * act(conv2d(x, weight, bias)): Conv2d followed by an activation in a Sequential. Without a
 * backward to record (inference) the bias and activation run in the convolution's epilogue;
 * with one, as two ops (the activation's backward reads its output, which the fused kernel does
 * not keep apart from the convolution's, and its pass is small next to the convolution's backward).
 * @internal
 */
export function conv2dAct(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions, activation: DenseActivation): Tensor {
  const op = 'conv2d';
  const act = denseActivationCode(activation);
  if (act === undefined) throw new KnobsError(`${op}: unknown activation '${activation}'`);
  if (activation !== 'none' && isGradEnabled() && (x.requiresGrad || weight.requiresGrad || !!bias?.requiresGrad)) {
    const y = conv2dAct(x, weight, bias, opts, 'none');
    return activation === 'relu' ? relu(y) : activation === 'tanh' ? tanh(y) : sigmoid(y);
  }
  const { geom, outShape } = convGeometry(x, weight, bias, opts);
  const k = K();
  const out = empty(outShape, op);
  if (out.size > 0 && x.size > 0) k.conv2d_forward(x.ptr, weight.ptr, bias ? bias.ptr : 0, !!bias, out.ptr, geom, act);
  else if (out.size > 0) out.data.fill(0);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(out, parents, (gy) => {
    if (out.size === 0) return;
    const tx = gradTarget(x), tw = gradTarget(weight), tb = bias ? gradTarget(bias) : null;
    // W and b are leaves made together: they hold a gradient from an earlier backward, or neither does.
    if (tw && tb && tw.accumulate !== tb.accumulate) (tw.accumulate ? tb : tw).grad.data.fill(0);
    const acc = !!(tw?.accumulate || tb?.accumulate);
    const gx = tx ? (tx.accumulate ? empty(x.shape, 'conv2d_gx') : tx.grad) : null;
    k.conv2d_backward(x.ptr, weight.ptr, gy.ptr, gx ? gx.ptr : 0, tw ? tw.grad.ptr : 0, tb ? tb.grad.ptr : 0, !!gx, !!tw, !!tb, geom, acc);
    if (tx?.accumulate && gx) {
      k.axpy(1, gx.ptr, tx.grad.ptr, gx.size);
      gx.dispose();
    }
  });
}

/**
 * maxPool2d(act(conv2d(x, weight, bias)), 2): Conv2d, an activation and a 2×2 max pool in a
 * Sequential, in inference. One kernel pools pairs of output rows while they are in cache, so the
 * full-size activation is never written and read back; the same bits as the three ops. null (run
 * the three ops) when there is a backward to record (the pool's needs its argmax indices) or the
 * output is too small to pool (the pool says so).
 * @internal
 */
export function conv2dActPool(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions, activation: DenseActivation): Tensor | null {
  const op = 'conv2d';
  const act = denseActivationCode(activation);
  if (act === undefined) throw new KnobsError(`${op}: unknown activation '${activation}'`);
  if (isGradEnabled() && (x.requiresGrad || weight.requiresGrad || !!bias?.requiresGrad)) return null;
  const { geom, outShape: [n, o, ho, wo] } = convGeometry(x, weight, bias, opts);
  if (ho < 2 || wo < 2 || x.size === 0) return null;
  const out = empty([n, o, Math.floor(ho / 2), Math.floor(wo / 2)], op);
  if (out.size > 0) K().conv2d_pool_forward(x.ptr, weight.ptr, bias ? bias.ptr : 0, !!bias, out.ptr, geom, act);
  return out;
}

/** Checks conv2d's operands and options (before anything is allocated); its geometry and output shape. */
function convGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions): { geom: Uint32Array; outShape: number[] } {
  const op = 'conv2d';
  checkTensor(op, x, 'input');
  checkTensor(op, weight, 'weight');
  if (bias !== null && bias !== undefined) checkTensor(op, bias, 'bias');
  checkOptions(op, opts, ['stride', 'padding', 'dilation', 'groups']);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be 4-D [batch, channels, height, width], got ${fmtShape(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`${op}: weight must be 4-D [out, in/groups, kh, kw], got ${fmtShape(weight.shape)}`);
  const [n, c, h, w] = x.shape;
  const [o, cg, kh, kw] = weight.shape;
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new KnobsError(`${op}: groups must be a positive integer, got ${fmtValue(groups)}`);
  if (c % groups !== 0 || o % groups !== 0) throw new ShapeError(`${op}: groups ${groups} must divide the input channels (${c}) and the output channels (${o}); input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}`);
  if (cg * groups !== c) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has ${c} channels but weight ${fmtShape(weight.shape)} expects ${cg * groups} (${cg} per group × ${groups} groups)`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) throw new ShapeError(`${op}: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [${o}])`);
  if (kh < 1 || kw < 1) throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} has an empty kernel`);
  const s = pair(op, 'stride', opts.stride, 1, 1);
  const d = pair(op, 'dilation', opts.dilation, 1, 1);
  let p: [number, number];
  if (opts.padding === 'same') {
    const tot = [d[0] * (kh - 1), d[1] * (kw - 1)];
    if (s[0] !== 1 || s[1] !== 1) throw new KnobsError(`${op}: padding 'same' needs stride 1, got stride ${fmtValue(opts.stride)}`);
    if (tot[0] % 2 || tot[1] % 2) throw new KnobsError(`${op}: padding 'same' with kernel ${kh}×${kw} (dilation ${d.join('×')}) would pad unevenly; use an odd kernel or explicit padding`);
    p = [tot[0] / 2, tot[1] / 2];
  } else {
    p = opts.padding === 'valid' ? [0, 0] : pair(op, 'padding', opts.padding, 0, 0);
  }
  const ho = outSize(op, 'height', x, h, kh, s[0], p[0], d[0]);
  const wo = outSize(op, 'width', x, w, kw, s[1], p[1], d[1]);
  return { geom: geomOf(n, c, h, w, o, [kh, kw], s, p, d, groups), outShape: [n, o, ho, wo] };
}

/** conv2d on [N, C, L] with weight [O, C/groups, k]: the same kernel with a height of 1. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number } = {}): Tensor {
  checkTensor('conv1d', x, 'input');
  checkTensor('conv1d', weight, 'weight');
  checkOptions('conv1d', opts, ['stride', 'padding', 'dilation', 'groups']);
  if (x.rank !== 3) throw new ShapeError(`conv1d: input must be 3-D [batch, channels, length], got ${fmtShape(x.shape)}`);
  if (weight.rank !== 3) throw new ShapeError(`conv1d: weight must be 3-D [out, in/groups, k], got ${fmtShape(weight.shape)}`);
  // Height 1: stride and dilation 1, no padding along it.
  const y = conv2d(x.reshape([x.shape[0], x.shape[1], 1, x.shape[2]]), weight.reshape([weight.shape[0], weight.shape[1], 1, weight.shape[2]]), bias, {
    stride: [1, opts.stride ?? 1],
    padding: opts.padding === 'same' || opts.padding === 'valid' ? opts.padding : [0, opts.padding ?? 0],
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups,
  });
  return y.reshape([y.shape[0], y.shape[1], y.shape[3]]);
}

function poolGeom(op: string, x: Tensor, kernelSize: Pair, opts: Pool2dOptions, allowed: readonly string[]) {
  checkTensor(op, x);
  checkOptions(op, opts, allowed);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be 4-D [batch, channels, height, width], got ${fmtShape(x.shape)}`);
  const kk = pair(op, 'kernelSize', kernelSize, 1, 1);
  const s = opts.stride === undefined ? kk : pair(op, 'stride', opts.stride, 1, 1);
  const p = pair(op, 'padding', opts.padding, 0, 0);
  const d = pair(op, 'dilation', opts.dilation, 1, 1);
  if (p[0] * 2 > kk[0] || p[1] * 2 > kk[1]) throw new KnobsError(`${op}: padding ${p.join('×')} must be at most half the kernel ${kk.join('×')}`);
  const [n, c, h, w] = x.shape;
  const ho = outSize(op, 'height', x, h, kk[0], s[0], p[0], d[0]);
  const wo = outSize(op, 'width', x, w, kk[1], s[1], p[1], d[1]);
  return { outShape: [n, c, ho, wo], geom: geomOf(n, c, h, w, c, kk, s, p, d, 1) };
}

/** Max over kh×kw windows of [N, C, H, W]; the gradient flows to each window's (first) maximum. */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: Pool2dOptions = {}): Tensor {
  const { outShape, geom } = poolGeom('maxPool2d', x, kernelSize, opts, ['stride', 'padding', 'dilation']);
  const k = K();
  const out = empty(outShape, 'maxPool2d');
  if (!isGradEnabled() || !x.requiresGrad) {
    // Inference: no backward, so no argmax indices (the kernel's faster path).
    if (out.size > 0) k.maxpool2d_forward(x.ptr, out.ptr, 0, false, geom);
    return out;
  }
  // Where each maximum came from: u32 indices in a 4-byte-per-element block, kept for backward.
  const arg = empty(outShape, 'maxPool2d_arg');
  if (out.size > 0) k.maxpool2d_forward(x.ptr, out.ptr, arg.ptr, true, geom);
  return record(out, [x], (gy) => {
    const t = gradTarget(x)!;
    const gx = t.accumulate ? empty(x.shape, 'maxPool2d_gx') : t.grad;
    if (gx.size > 0) k.maxpool2d_backward(gy.ptr, arg.ptr, gx.ptr, geom);
    if (t.accumulate) {
      k.axpy(1, gx.ptr, t.grad.ptr, gx.size);
      gx.dispose();
    }
  });
}

/** Mean over kh×kw windows of [N, C, H, W]. */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts: Pool2dOptions = {}): Tensor {
  const { outShape, geom } = poolGeom('avgPool2d', x, kernelSize, opts, ['stride', 'padding', 'countIncludePad']);
  const exclude = opts.countIncludePad === false;
  const k = K();
  const out = empty(outShape, 'avgPool2d');
  if (out.size > 0) k.avgpool2d_forward(x.ptr, out.ptr, geom, exclude);
  return record(out, [x], (gy) => {
    const t = gradTarget(x)!;
    const gx = t.accumulate ? empty(x.shape, 'avgPool2d_gx') : t.grad;
    if (gx.size > 0) k.avgpool2d_backward(gy.ptr, gx.ptr, geom, exclude);
    if (t.accumulate) {
      k.axpy(1, gx.ptr, t.grad.ptr, gx.size);
      gx.dispose();
    }
  });
}
