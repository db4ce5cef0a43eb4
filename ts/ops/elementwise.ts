/** Elementwise arithmetic with broadcasting. Each backward sums gradients back to input shapes. */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError } from '../errors.js';
import { Tensor, empty, full } from '../tensor.js';
import { rawBinary, rawScale, reduceTo, sameShape, type BinName } from './broadcast.js';
import { checkTensor } from './checks.js';

type Operand = Tensor | number;

function asTensor(op: string, x: Operand, name: string): Tensor {
  if (typeof x === 'number') {
    if (Number.isNaN(x)) throw new KnobsError(`${op}: ${name} is NaN`);
    return full([], x);
  }
  checkTensor(op, x, name);
  return x;
}

/** out = alpha·a + beta, the scalar fast path of add/sub/mul/div with a number. */
export function affine(a: Tensor, alpha: number, beta: number, op = 'affine'): Tensor {
  checkTensor(op, a);
  const out = rawScale(a, alpha, beta);
  out.op = op;
  return record(out, [a], (g) => accumulateGrad(a, rawScale(g, alpha), true));
}

function binary(op: BinName, x: Operand, y: Operand): Tensor {
  if (x instanceof Tensor && typeof y === 'number') {
    checkTensor(op, x, 'a');
    if (Number.isNaN(y)) throw new KnobsError(`${op}: b is NaN`);
    switch (op) {
      case 'add': return affine(x, 1, y, op);
      case 'sub': return affine(x, 1, -y, op);
      case 'mul': return affine(x, y, 0, op);
      case 'div': return affine(x, 1 / y, 0, op);
    }
  }
  const a = asTensor(op, x, 'a');
  const b = asTensor(op, y, 'b');
  const out = rawBinary(op, a, b);
  return record(out, [a, b], (g) => {
    if (a.requiresGrad) accumulateGrad(a, gradA(op, g, a, b), true);
    if (b.requiresGrad) accumulateGrad(b, gradB(op, g, a, b, out), true);
  });
}

function gradA(op: BinName, g: Tensor, a: Tensor, b: Tensor): Tensor {
  if (op === 'add' || op === 'sub') return reduceTo(g, a.shape);
  const t = rawBinary(op === 'mul' ? 'mul' : 'div', g, b, [...g.shape]);
  return shrink(t, a);
}

function gradB(op: BinName, g: Tensor, a: Tensor, b: Tensor, out: Tensor): Tensor {
  if (op === 'add') return reduceTo(g, b.shape);
  if (op === 'sub') {
    const r = reduceTo(g, b.shape);
    if (r.size > 0) K().scale_inplace(r.ptr, -1, 0, r.size);
    return r;
  }
  if (op === 'mul') return shrink(rawBinary('mul', g, a, [...g.shape]), b);
  // d(a/b)/db = −(a/b)/b = −out/b
  const t = rawBinary('mul', g, out, [...g.shape]);
  const u = rawBinary('div', t, b, [...g.shape]);
  t.dispose();
  if (u.size > 0) K().scale_inplace(u.ptr, -1, 0, u.size);
  return shrink(u, b);
}

function shrink(t: Tensor, like: Tensor): Tensor {
  if (sameShape(t.shape, like.shape)) return t;
  const r = reduceTo(t, like.shape);
  t.dispose();
  return r;
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
export const neg = (a: Tensor): Tensor => affine(a, -1, 0, 'neg');

function unary(op: 'exp' | 'log', a: Tensor): Tensor {
  checkTensor(op, a);
  const out = empty(a.shape, op);
  if (out.size > 0) (op === 'exp' ? K().exp : K().log)(a.ptr, out.ptr, out.size);
  return record(out, [a], (g) => {
    // exp: g·out; log: g/a
    accumulateGrad(a, rawBinary(op === 'exp' ? 'mul' : 'div', g, op === 'exp' ? out : a), true);
  });
}
export const exp = (a: Tensor): Tensor => unary('exp', a);
export const log = (a: Tensor): Tensor => unary('log', a);

/** a^p for a scalar exponent p. */
export function pow(a: Tensor, p: number): Tensor {
  checkTensor('pow', a);
  if (!Number.isFinite(p)) throw new KnobsError(`pow: exponent must be finite, got ${p}`);
  const k = K();
  const out = empty(a.shape, 'pow');
  if (out.size > 0) k.pow_scalar(a.ptr, p, out.ptr, out.size);
  return record(out, [a], (g) => {
    // d/da a^p = p·a^(p−1)
    const d = empty(a.shape, 'pow_grad');
    if (d.size > 0) k.pow_scalar(a.ptr, p - 1, d.ptr, d.size);
    const gd = rawBinary('mul', g, d);
    d.dispose();
    if (gd.size > 0) k.scale_inplace(gd.ptr, p, 0, gd.size);
    accumulateGrad(a, gd, true);
  });
}
