/**
 * Several dense layers as one op: `nn.Sequential` runs a run of Linear (+ ReLU/Sigmoid/Tanh)
 * layers through it. The kernel calls are those of `linear` layer after layer, in the same order
 * (forward, and backward from the last layer down), so the bits are the same; what goes is the
 * per-layer JS around them: the hidden activations live in the output's block with no Tensor of
 * their own, and autograd sees one node instead of one per layer. In a tiny network (the book's
 * 3-4-1) that per-layer cost is most of the step.
 */
import { denseActivationCode } from '../backend/codes.js';
import { MAX_ELEMENTS, allocF32, freeF32, K, _kernelsRecording, type Kernels } from '../backend/wasm.js';
import { gradBuffer, isGradEnabled, linkAt } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './checks.js';
import { linear, type DenseActivation } from './dense.js';
import { denseOutShape, inputLayerBackward, layerBackward, paramGrads } from './dense-parts.js';

/** One layer of linearChain: a weight [in, out] and an optional bias [out] (an `nn.Linear` is one). */
export interface DenseLayer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
}

function layerTensor(t: unknown, i: number, name: string): Tensor {
  if (!(t instanceof Tensor)) throw new KnobsError(`linearChain: layer ${i} ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new KnobsError(`linearChain: layer ${i} ${name} ${fmtShape(t.shape)} (from ${t.op}) was used after dispose()`);
  return t;
}

/**
 * act_L(… act_1(x·W_1 + b_1) … ·W_L + b_L) for x [m, k] (or [k]): `linear` applied layer after
 * layer with `activations[i]` after layer i, the same values and gradients, one op.
 */
export function linearChain(x: Tensor, layers: readonly DenseLayer[], activations: readonly DenseActivation[]): Tensor {
  return linearChainWith(x, layers, activations, denseActivationCodes(activations, layers));
}

/**
 * The kernels' codes of `activations` (one per layer), checked; Sequential keeps them with its
 * plan and calls linearChainWith, so a step looks none up.
 */
export function denseActivationCodes(activations: readonly DenseActivation[], layers: readonly DenseLayer[]): number[] {
  if (!Array.isArray(layers) || layers.length === 0 || !Array.isArray(activations) || activations.length !== layers.length) {
    throw new KnobsError(`linearChain: needs at least one layer and one activation per layer, got ${Array.isArray(layers) ? layers.length : typeof layers} layers and ${Array.isArray(activations) ? activations.length : typeof activations} activations`);
  }
  return activations.map((a, i) => {
    const code = typeof a === 'string' ? denseActivationCode(a) : undefined;
    if (code === undefined) throw new KnobsError(`linearChain: unknown activation '${a}' for layer ${i}`);
    return code;
  });
}

/** @internal linearChain with the activations' codes too (`acts`, from denseActivationCodes). */
export function linearChainWith(x: Tensor, layers: readonly DenseLayer[], activations: readonly DenseActivation[], acts: readonly number[]): Tensor {
  checkTensor('linearChain', x, 'input');
  const L = layers.length;
  if (x.rank < 1 || x.rank > 2) throw new ShapeError(`linearChain: input must be [batch, in] or [in], got ${fmtShape(x.shape)}`);
  const m = x.rank === 2 ? x.shape[0] : 1;
  let k = x.shape[x.rank - 1];
  // Floats of the hidden layers (all but the last output), kept in front of the output.
  let hidden = 0;
  let widest = 0;
  let empty = m === 0;
  // The first layer whose output requires grad (−1: none): the unfused graph has no nodes below it.
  let first = x.requiresGrad ? 0 : -1;
  // Whether every weight and bias is a leaf (a parameter, the usual case): see link() below.
  let leaves = true;
  for (let i = 0; i < L; i++) {
    const w = layerTensor(layers[i].weight, i, 'weight');
    const b = layers[i].bias === null ? null : layerTensor(layers[i].bias, i, 'bias');
    if (w.rank !== 2 || w.shape[0] !== k) {
      throw new ShapeError(`linearChain: layer ${i} weight ${fmtShape(w.shape)} does not fit its input ${i === 0 ? fmtShape(x.shape) : `of ${k} features (layer ${i - 1}'s output)`} (expected [${k}, out])`);
    }
    k = w.shape[1];
    if (b && (b.rank !== 1 || b.shape[0] !== k)) throw new ShapeError(`linearChain: layer ${i} bias ${fmtShape(b.shape)} does not fit weight ${fmtShape(w.shape)} (expected [${k}])`);
    if (i < L - 1) hidden += m * k;
    widest = Math.max(widest, m * k);
    if (k === 0) empty = true;
    if (first < 0 && (w.requiresGrad || (b !== null && b.requiresGrad))) first = i;
    leaves &&= w.backwardFn === null && (b === null || b.backwardFn === null);
  }
  if (hidden + m * k > MAX_ELEMENTS) throw new ShapeError(`linearChain: input ${fmtShape(x.shape)} makes ${hidden + m * k} floats of layer outputs, more than one block holds (${MAX_ELEMENTS})`);
  // An empty layer: the layers one by one skip exactly the kernels `linear` skips.
  if (empty) {
    let h = x;
    for (let i = 0; i < L; i++) h = linear(h, layers[i].weight, layers[i].bias, activations[i]);
    return h;
  }
  const grad = first >= 0 && isGradEnabled();
  // The hidden layers share the output's block: backward reads them. Without a graph too, so that
  // training and evaluation allocate the same sizes (the pool then serves both; the unfused
  // layers' hidden tensors lived as long, until their tidy() ended).
  // A tiny pair also keeps its backward's scratch there, in front (see pairScratch).
  const out = Tensor._withScratch(pairScratch(L, widest) + hidden, denseOutShape(x, m, k), 'linearChain');
  forwardLayers(x, layers, acts, out.ptr - hidden * 4, out.ptr, m);
  if (!grad) return out;
  // backward() walks into x only: weights and biases that are leaves have no backward to run
  // (and the chain's own backward fills their gradients).
  return linkAt(out, leaves ? [x] : [x, ...layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]))], (gyPtr) =>
    chainBackward(x, layers, acts, first, out, gyPtr, m, hidden, widest),
  );
}

/** The layers' dense_forward calls: hidden layers one after another from `base`, the last at `outPtr`. */
function forwardLayers(x: Tensor, layers: readonly DenseLayer[], acts: readonly number[], base: number, outPtr: number, m: number): void {
  const kern = K();
  const L = layers.length;
  let inPtr = x.ptr, k = x.shape[x.rank - 1];
  // Two layers (the tiny nets' shape): one call for both. A recording table (compileStep's trace)
  // gets the per-layer calls, which its program knows.
  if (L === 2 && !_kernelsRecording()) {
    const l0 = layers[0], l1 = layers[1];
    const h = l0.weight.shape[1];
    kern.dense_pair_forward(inPtr, l0.weight.ptr, l0.bias ? l0.bias.ptr : 0, !!l0.bias, l1.weight.ptr, l1.bias ? l1.bias.ptr : 0, !!l1.bias, base, outPtr, m, k, h, l1.weight.shape[1], acts[0], acts[1]);
    return;
  }
  for (let i = 0; i < L; i++) {
    const { weight, bias } = layers[i];
    const n = weight.shape[1];
    const dst = i === L - 1 ? outPtr : base;
    kern.dense_forward(inPtr, weight.ptr, bias ? bias.ptr : 0, !!bias, dst, m, k, n, acts[i]);
    inPtr = dst;
    base += m * n * 4;
    k = n;
  }
}

/**
 * From the last layer down to `first`, each layer's dense_backward as `linear`'s backward would
 * make it: the gradient of a hidden layer goes to scratch (fresh, as an interior gradient is) and
 * is the next call's gy.
 */
function chainBackward(x: Tensor, layers: readonly DenseLayer[], acts: readonly number[], first: number, out: Tensor, gyPtr: number, m: number, hidden: number, widest: number): void {
  // The graph walk skipped the weights and biases (link() above): refuse freed ones here, before
  // any gradient is made, as the walk refuses a freed input.
  for (let i = first; i < layers.length; i++) {
    const { weight, bias } = layers[i];
    if (weight.isDisposed || (bias !== null && bias.isDisposed)) {
      const t = weight.isDisposed ? weight : bias!;
      throw new KnobsError(`backward: the graph behind this tensor was freed: layer ${i}'s ${t === weight ? 'weight' : 'bias'} ${fmtShape(t.shape)} of linearChain was disposed`);
    }
  }
  const kern = K();
  const base = out.ptr - hidden * 4;
  if (layers.length === 2 && first === 0 && x.grad === null && !_kernelsRecording()) {
    pairBackward(kern, x, layers, acts, base, out.ptr, gyPtr, m, widest, base - pairScratch(2, widest) * 4);
    return;
  }
  // gz (widest floats), then two hidden-layer gradients used in turn (each at most widest floats).
  const scratch = widest * 3;
  const gz = allocF32(scratch);
  try {
    // Floats from base to layer i's output (the last one's is the output itself).
    let yOff = hidden;
    for (let i = layers.length - 1; i >= first; i--) {
      const { weight, bias } = layers[i];
      const k = weight.shape[0], n = weight.shape[1];
      const act = acts[i];
      // Layer i's input is layer i − 1's output, just before its own.
      const xOff = yOff - m * k;
      if (i === 0) {
        inputLayerBackward(kern, x, weight, bias, base + yOff * 4, gyPtr, gz, act, m, k, n);
      } else {
        const acc = paramGrads(weight, bias);
        const gx = i > first ? gz + widest * 4 * (1 + (i & 1)) : 0;
        layerBackward(kern, base + xOff * 4, weight, bias, base + yOff * 4, gyPtr, gz, gx, act, m, k, n, acc);
        gyPtr = gx;
      }
      yOff = xOff;
    }
  } finally {
    freeF32(gz, scratch);
  }
}

/**
 * Floats of backward scratch a chain of L layers keeps in its output's block: gz and the hidden
 * layer's gradient of a tiny pair (≤ 128 floats), whose backward then needs no block of its own
 * (an alloc and a free cost ~25 ns, ~3% of the book's 3-4-1 step). Evaluation makes the same
 * block, so the pool serves both.
 */
function pairScratch(L: number, widest: number): number {
  return L === 2 && widest <= 64 ? widest * 2 : 0;
}

/**
 * chainBackward of two layers down to x, whose gradient (if it requires one) is made here, as
 * one dense_pair_backward: layer 1's dense_backward then layer 0's, the calls chainBackward makes.
 */
function pairBackward(kern: Kernels, x: Tensor, layers: readonly DenseLayer[], acts: readonly number[], base: number, outPtr: number, gyPtr: number, m: number, widest: number, kept: number): void {
  const l0 = layers[0], l1 = layers[1];
  const k = l0.weight.shape[0], h = l0.weight.shape[1], n = l1.weight.shape[1];
  // The per-layer path makes layer 1's gradient buffers, then layer 0's: the same order.
  const acc1 = paramGrads(l1.weight, l1.bias);
  const acc0 = paramGrads(l0.weight, l0.bias);
  // x held no gradient (checked by the caller): its buffer is written, not added to.
  const tx = gradBuffer(x);
  const gw0 = l0.weight.requiresGrad ? l0.weight.grad : null, gb0 = l0.bias !== null && l0.bias.requiresGrad ? l0.bias.grad : null;
  const gw1 = l1.weight.requiresGrad ? l1.weight.grad : null, gb1 = l1.bias !== null && l1.bias.requiresGrad ? l1.bias.grad : null;
  // gz (widest floats), then the hidden layer's gradient: kept in the output's block (`kept`,
  // from pairScratch) or a block for this call.
  const scratch = widest * 2;
  const own = kept === base;
  const gz = own ? allocF32(scratch) : kept;
  try {
    kern.dense_pair_backward(
      x.ptr, l0.weight.ptr, l1.weight.ptr, base, outPtr, gyPtr, gz, gz + widest * 4, tx ? tx.ptr : 0, tx !== null,
      gw0 ? gw0.ptr : 0, gb0 ? gb0.ptr : 0, gw0 !== null, gb0 !== null, acc0, gw1 ? gw1.ptr : 0, gb1 ? gb1.ptr : 0, gw1 !== null, gb1 !== null, acc1,
      m, k, h, n, acts[0], acts[1],
    );
  } finally {
    if (own) freeF32(gz, scratch);
  }
}
