/**
 * Selection by a boolean-valued condition: where(cond, a, b) and maskedFill(x, mask, value).
 * Conditions are float tensors of 0s and 1s (the only dtype); anything else is refused, so a
 * probability passed by mistake is an error rather than silently thresholded.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, full, type Shape } from '../tensor.js';
import { broadcastShapes, broadcastStrides, reduceTo, sameShape } from './broadcast.js';
import { checkTensor } from './checks.js';

function checkCondition(op: string, cond: Tensor, name: string): void {
  const bad = cond.size > 0 ? K().first_not_binary(cond.ptr, cond.size) : cond.size;
  if (bad < cond.size) {
    throw new KnobsError(`${op}: ${name} ${fmtShape(cond.shape)} must hold only 0 and 1, got ${cond.data[bad]} at flat index ${bad}`);
  }
}

/** out = cond ? a : b over `shape`, every operand broadcast by strides (no graph). */
function select(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = empty(shape, 'where');
  if (out.size > 0) {
    K().where_select(cond.ptr, cond.size, broadcastStrides(cond.shape, shape), a.ptr, a.size, broadcastStrides(a.shape, shape), b.ptr, b.size, broadcastStrides(b.shape, shape), out.ptr, Uint32Array.from(shape));
  }
  return out;
}

/** g where cond (or where not cond), summed back to `to`: the gradient of one branch. */
function branchGrad(cond: Tensor, g: Tensor, taken: boolean, to: Shape): Tensor {
  const zero = full([], 0);
  const sel = taken ? select(cond, g, zero, g.shape) : select(cond, zero, g, g.shape);
  zero.dispose();
  if (sameShape(sel.shape, to)) return sel;
  const r = reduceTo(sel, to);
  sel.dispose();
  return r;
}

function operand(op: string, x: Tensor | number, name: string): Tensor {
  if (typeof x === 'number') {
    if (Number.isNaN(x)) throw new KnobsError(`${op}: ${name} is NaN`);
    return full([], x);
  }
  checkTensor(op, x, name);
  return x;
}

/**
 * Elementwise cond ? a : b with NumPy broadcasting of all three (torch.where). `cond` holds 0/1;
 * a and b may be numbers. Gradients flow to a where cond is 1 and to b where it is 0.
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', cond, 'cond');
  if (typeof a !== 'number') checkTensor('where', a, 'a');
  if (typeof b !== 'number') checkTensor('where', b, 'b');
  const sa = typeof a === 'number' ? [] : a.shape;
  const sb = typeof b === 'number' ? [] : b.shape;
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, sa), sb);
  checkCondition('where', cond, 'cond');
  const ta = operand('where', a, 'a');
  const tb = operand('where', b, 'b');
  const out = select(cond, ta, tb, shape);
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  const parents = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  return record(out, parents, (g) => {
    if (typeof a !== 'number' && a.requiresGrad) accumulateGrad(a, branchGrad(cond, g, true, a.shape), true);
    if (typeof b !== 'number' && b.requiresGrad) accumulateGrad(b, branchGrad(cond, g, false, b.shape), true);
  });
}

/** x with `value` wherever mask is 1 (torch.masked_fill); mask broadcasts to x's shape. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkTensor('maskedFill', x);
  checkTensor('maskedFill', mask, 'mask');
  if (typeof value !== 'number' || Number.isNaN(value)) throw new KnobsError(`maskedFill: value must be a number (not NaN), got ${value}`);
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (!sameShape(shape, x.shape)) throw new ShapeError(`maskedFill: mask ${fmtShape(mask.shape)} must broadcast to x ${fmtShape(x.shape)}`);
  checkCondition('maskedFill', mask, 'mask');
  const v = full([], value);
  const out = select(mask, v, x, shape);
  v.dispose();
  out.op = 'maskedFill';
  return record(out, [x], (g) => accumulateGrad(x, branchGrad(mask, g, false, x.shape), true));
}
