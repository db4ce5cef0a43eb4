/**
 * Reverse-mode autodiff over the graph that ops record (define-by-run). The whole engine is
 * this file: a grad-mode switch, gradient accumulation, and backward() — an iterative
 * topological sort (no recursion, so a 10,000-step RNN unroll cannot overflow the stack)
 * followed by one pass in reverse order.
 */
import { allocF32, freeF32, heap, K } from './backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from './errors.js';
import { untrack } from './scope.js';
import { Tensor, _setBackward, empty, type BackwardFn } from './tensor.js';

let gradEnabled = true;

/** Runs fn without recording the graph (inference, optimizer updates, metrics). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Links `out` to its inputs when any of them requires grad. Returns out. */
export function record(out: Tensor, parents: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!gradEnabled) return out;
  // A loop, not some(); link()'s three stores written out (this runs for every op).
  for (let i = 0; i < parents.length; i++) {
    if (parents[i].requiresGrad) {
      out.requiresGrad = true;
      out.parents = parents;
      out.backwardFn = backward;
      return out;
    }
  }
  return out;
}

/**
 * record() for an op that has checked itself that the graph is wanted (grad mode on, an input
 * requiring grad). `parents` are the inputs backward() walks into: an op whose other inputs are
 * leaves (parameters) may leave them out, as they have no backward to run.
 */
export function link(out: Tensor, parents: readonly Tensor[], backward: BackwardFn): Tensor {
  out.requiresGrad = true;
  out.parents = parents;
  out.backwardFn = backward;
  return out;
}

/**
 * record() for an op with one output element whose backward needs only its gradient's value (a
 * loss): backward() called on it then runs fn(1) itself, without a seed tensor for the 1.
 * `into(g, dst)`, when given, writes what fn would hand parents[0] as its gradient at byte offset
 * dst, and nothing else: for a loss whose other inputs need no gradient. backward() uses it to
 * pass the gradient to an op made by linkAt without a Tensor for it (see backward()).
 */
export function recordScalar(out: Tensor, parents: readonly Tensor[], fn: (g: number) => void, into?: (g: number, dst: number) => void): Tensor {
  const y = record(out, parents, SCALAR_BACKWARD);
  if (y.backwardFn !== null) {
    y._scalarBackward = fn;
    if (into !== undefined) y._scalarInto = into;
  }
  return y;
}

/**
 * link() for an op whose backward reads its gradient only through its byte offset: backward()
 * then hands a loss's gradient straight to `at`, from a plain buffer instead of a Tensor.
 */
export function linkAt(out: Tensor, parents: readonly Tensor[], at: (gyPtr: number) => void): Tensor {
  link(out, parents, AT_BACKWARD);
  out._backwardAt = at;
  return out;
}

/** The backwardFn of recordScalar's outputs: backward() calls their _scalarBackward instead (no closure per op). */
const SCALAR_BACKWARD: BackwardFn = () => {
  throw new KnobsError('backward: internal error: a scalar backward was called without its value');
};
/** The backwardFn of linkAt's outputs: backward() calls their _backwardAt with the gradient's offset. */
const AT_BACKWARD: BackwardFn = () => {
  throw new KnobsError('backward: internal error: an offset backward was called without its offset');
};

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Adds g into t.grad. When a tensor feeds several ops its gradient is the sum over all of them:
 * accumulate, never overwrite. `owned` means g is a fresh temporary the caller hands over,
 * so the first contribution can be adopted without a copy.
 */
export function accumulateGrad(t: Tensor, g: Tensor, owned: boolean): void {
  if (!t.requiresGrad) {
    if (owned) g.dispose();
    return;
  }
  if (g.size !== t.size) {
    throw new ShapeError(`backward: gradient ${fmtShape(g.shape)} does not match tensor ${fmtShape(t.shape)} (from ${t.op})`);
  }
  if (t.grad === null) {
    let mine: Tensor;
    if (owned && sameDims(g.shape, t.shape)) {
      mine = g;
      // Gradients of leaves (parameters) must outlive the tidy() of the step that made them.
      if (t.isLeaf) {
        untrack(mine);
        mine._gradOf = t;
      }
    } else {
      mine = newGrad(t);
      heap().copyWithin(mine.ptr >>> 2, g.ptr >>> 2, (g.ptr >>> 2) + g.size);
      if (owned) g.dispose();
    }
    t.grad = mine;
  } else {
    if (t.size > 0) K().axpy(1, g.ptr, t.grad.ptr, t.size);
    if (owned) g.dispose();
  }
}

/**
 * Where a kernel should write t's gradient directly: the existing t.grad (accumulate = true), or
 * a fresh buffer installed as t.grad (accumulate = false). Saves a temporary and an add per
 * parameter per step compared with accumulateGrad. Null when t needs no gradient.
 */
export function gradTarget(t: Tensor): { grad: Tensor; accumulate: boolean } | null {
  if (!t.requiresGrad) return null;
  if (t.grad) return { grad: t.grad, accumulate: true };
  return { grad: (t.grad = newGrad(t)), accumulate: false };
}

/**
 * gradTarget without the result object, for the per-step path of the fused ops: t.grad, made
 * (contents unset) when t has none. The caller reads `t.grad !== null` first to know whether
 * to accumulate. Null when t needs no gradient.
 */
export function gradBuffer(t: Tensor): Tensor | null {
  if (!t.requiresGrad) return null;
  return t.grad ?? (t.grad = newGrad(t));
}

/**
 * A gradient buffer for t, contents unset: a leaf's spare from zeroGrad() when it has one, else a
 * fresh one (a leaf's outlives the step's tidy()). Reusing the spare saves an allocation, a
 * Tensor and a free per parameter per step.
 */
function newGrad(t: Tensor): Tensor {
  if (!t.isLeaf) return empty(t.shape, 'grad');
  const spare = t._spareGrad;
  if (spare !== null) {
    t._spareGrad = null;
    if (!spare.isDisposed) return spare;
  }
  const g = empty(t.shape, 'grad');
  untrack(g);
  g._gradOf = t;
  return g;
}

/**
 * `zeroGrad()` for one tensor: t.grad becomes null, as PyTorch's `zero_grad(set_to_none=True)`
 * leaves it. A gradient autograd made for t is kept as t's spare buffer for its next backward
 * (so a reference to the old `p.grad` sees the next step's values: copy it to keep it); one
 * set by hand is disposed.
 */
export function clearGrad(t: Tensor): void {
  const g = t.grad;
  if (g === null) return;
  t.grad = null;
  if (g._gradOf === t && !g.isDisposed) {
    if (t._spareGrad !== null && t._spareGrad !== g) t._spareGrad.dispose();
    t._spareGrad = g;
  } else {
    g.dispose();
  }
}

// Each backward() has its own visit mark: a node is visited when `_visit` equals it. A number on
// the tensor instead of a Set: the Set hashed every node of every step (~1 µs of a tiny net's step).
let visitMark = 0;

// The sort's stack, kept between calls (emptied whenever topoOrder returns or throws, so it holds
// no tensor alive): two fewer arrays per backward().
const stackNodes: Tensor[] = [];
const stackNext: number[] = [];

function topoOrder(root: Tensor): Tensor[] {
  const mark = ++visitMark;
  const order: Tensor[] = [];
  // Explicit stack of (node, next-parent-index) as two parallel arrays: post-order without recursion.
  const nodes = stackNodes;
  const next = stackNext;
  nodes.push(root);
  next.push(0);
  root._visit = mark;
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const i = next[top];
    if (i < node.parents.length) {
      next[top] = i + 1;
      const p = node.parents[i];
      if (p.isDisposed) {
        // Its backward closure would read freed memory, and its own inputs are gone: refuse
        // instead of silently computing nothing.
        nodes.length = 0;
        next.length = 0;
        throw new KnobsError(
          `backward: the graph behind this tensor was freed: ${fmtShape(p.shape)} (from ${p.op}), an input of ${node.op}, was disposed. ` +
            'This happens when the loss is returned out of tidy(): call backward() (and the optimizer step) inside the same tidy()',
        );
      }
      // Leaves (parameters, inputs) have no backward of their own: the pass would skip them, so
      // they are not pushed at all (in a tiny net they are most of the graph's nodes).
      if (p.requiresGrad && p.backwardFn !== null) {
        if (p._visit !== mark) {
          p._visit = mark;
          p._uses = 1;
          nodes.push(p);
          next.push(0);
        } else {
          p._uses++;
        }
      }
    } else {
      order.push(node);
      nodes.pop();
      next.pop();
    }
  }
  return order;
}

/**
 * A scalar loss's gradient passed to the op `next` below it in a plain buffer, without a Tensor
 * (the usual tiny step: a loss on a linearChain), when that is the same computation: `next` is the
 * loss's first input and the next node to run, the loss is its only consumer (so its gradient is
 * complete), and the loss's other inputs need none. Same kernels in the same order as through a
 * gradient tensor. Returns whether it ran.
 */
function handOver(root: Tensor, next: Tensor): boolean {
  const into = root._scalarInto, at = next._backwardAt;
  if (into === null || at === null || next !== root.parents[0] || next._uses !== 1 || next.grad !== null || next.size === 0) return false;
  for (let i = 1; i < root.parents.length; i++) if (root.parents[i].requiresGrad) return false;
  const n = next.size;
  const buf = allocF32(n);
  try {
    into(1, buf);
    at(buf);
  } finally {
    freeF32(buf, n);
  }
  return true;
}

function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) {
    throw new KnobsError(`backward: tensor ${fmtShape(root.shape)} (from ${root.op}) does not require grad; no parameter was used to compute it`);
  }
  if (!grad && root.size !== 1) {
    throw new ShapeError(`backward: called on a tensor of shape ${fmtShape(root.shape)}; pass a gradient of that shape or reduce it to a scalar (e.g. mean())`);
  }
  if (grad && grad.size !== root.size) {
    throw new ShapeError(`backward: gradient ${fmtShape(grad.shape)} does not match tensor ${fmtShape(root.shape)}`);
  }
  const order = topoOrder(root);
  // order ends with the root. A loss's backward runs on the value 1 alone; else the seed tensor.
  let last = order.length - 1;
  const scalar = root._scalarBackward;
  if (!grad && scalar !== null && root.grad === null && order[last] === root) last--;
  else {
    const seed = empty(root.shape, 'grad');
    if (grad) heap().copyWithin(seed.ptr >>> 2, grad.ptr >>> 2, (grad.ptr >>> 2) + grad.size);
    else if (seed.size === 1) heap()[seed.ptr >>> 2] = 1; // the usual scalar loss: no subarray
    else seed.data.fill(1);
    accumulateGrad(root, seed, true);
  }
  if (last < order.length - 1) {
    if (last >= 0 && handOver(root, order[last])) last--;
    else scalar!(1);
  }
  for (let i = last; i >= 0; i--) {
    const node = order[i];
    const g = node.grad;
    if (!node.backwardFn || !g) continue;
    const sb = node._scalarBackward;
    if (sb !== null) sb(g.item());
    else if (node._backwardAt !== null) node._backwardAt(g.ptr);
    else node.backwardFn(g);
    // An interior node's gradient is only a message to its parents: free it at once.
    g.dispose();
    node.grad = null;
  }
}

_setBackward(backward);
