/**
 * Fused recurrent sequences: every step's h·W_hhᵀ product and gate arithmetic in one kernel call,
 * and the whole backpropagation through time in one more (crates/knobs-core/src/kernels/rnn.rs).
 * The input projection x·W_ihᵀ + b_ih of all steps is an ordinary `linear` by the caller, so
 * its gradients flow through autograd as usual; these ops take its result `xi` [T, B, G·H].
 *
 * One autograd node per sequence instead of ~10 per step: the graph of a 25-step window is a
 * handful of nodes, and backward allocates nothing per step.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, gradTarget, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';
import { narrow } from './layout.js';

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Validates xi [T,B,G·H] (or [T·B,G·H], the batch read from the first state), whh [G·H,H],
 * bhh [G·H] | null and states [B,H]; returns T, B, H.
 */
function check(op: string, gates: number, xi: Tensor, whh: Tensor, bhh: Tensor | null, states: [string, Tensor][]): [number, number, number] {
  checkTensor(op, xi, 'xi');
  checkTensor(op, whh, 'whh');
  if (bhh !== null) checkTensor(op, bhh, 'bhh');
  for (const [name, s] of states) checkTensor(op, s, name);
  if (whh.rank !== 2 || whh.shape[0] !== gates * whh.shape[1] || whh.shape[1] === 0) {
    throw new ShapeError(`${op}: whh must be [${gates}·hidden, hidden], got ${fmtShape(whh.shape)}`);
  }
  const H = whh.shape[1], first = states[0][1];
  let T: number, B: number;
  if (xi.rank === 3 && xi.shape[2] === gates * H && xi.shape[0] > 0) {
    [T, B] = xi.shape;
  } else if (xi.rank === 2 && xi.shape[1] === gates * H && first.rank === 2 && first.shape[0] > 0 && xi.shape[0] > 0 && xi.shape[0] % first.shape[0] === 0) {
    B = first.shape[0];
    T = xi.shape[0] / B;
  } else {
    throw new ShapeError(
      `${op}: xi must be [steps ≥ 1, batch, ${gates * H}] for whh ${fmtShape(whh.shape)}, got ${fmtShape(xi.shape)} (a 2-D xi is [steps·batch, ${gates * H}], batch from ${states[0][0]} ${fmtShape(first.shape)})`,
    );
  }
  if (bhh !== null && !same(bhh.shape, [gates * H])) throw new ShapeError(`${op}: bhh must be [${gates * H}], got ${fmtShape(bhh.shape)}`);
  for (const [name, s] of states) {
    if (!same(s.shape, [B, H])) throw new ShapeError(`${op}: ${name} must be [${B}, ${H}] for xi ${fmtShape(xi.shape)}, got ${fmtShape(s.shape)}`);
  }
  return [T, B, H];
}

/**
 * Gradient buffers for W_hh and b_hh, written by the kernel (accumulating when they already hold
 * one). Parameters that need no gradient get a scratch buffer the caller disposes.
 */
function weightTargets(whh: Tensor, bhh: Tensor | null): { gw: Tensor; gb: Tensor | null; acc: boolean; scratch: Tensor[] } {
  const tw = gradTarget(whh), tb = bhh ? gradTarget(bhh) : null;
  const scratch: Tensor[] = [];
  // One accumulate flag for both, as in linear(): a mixed state is zero-filled and accumulated into.
  let acc = tw?.accumulate ?? tb?.accumulate ?? false;
  if (tw && tb && tw.accumulate !== tb.accumulate) {
    if (!tw.accumulate) tw.grad.data.fill(0);
    if (!tb.accumulate) tb.grad.data.fill(0);
    acc = true;
  }
  let gw = tw?.grad;
  if (!gw) scratch.push((gw = empty(whh.shape, 'rnn_scratch')));
  let gb = tb?.grad ?? null;
  if (bhh && !gb) scratch.push((gb = empty(bhh.shape, 'rnn_scratch')));
  return { gw, gb, acc, scratch };
}

/**
 * LSTM over a sequence (gates i, f, g, o). xi [T,B,4H] = x·W_ihᵀ + b_ih for every step (or the
 * same rows as [T·B,4H], as `linear` returns them: its gradient then needs no reshape copy), h0/c0
 * [B,H], whh = W_hh [4H,H], bhh = b_hh [4H] or null. Returns every step's h [T,B,H], the final h
 * and the final c [B,H]; all three carry gradients.
 */
export function lstmSequence(xi: Tensor, h0: Tensor, c0: Tensor, whh: Tensor, bhh: Tensor | null): [y: Tensor, hN: Tensor, cN: Tensor] {
  const [T, B, H] = check('lstmSequence', 4, xi, whh, bhh, [['h0', h0], ['c0', c0]]);
  const k = K();
  // h and c of every step in one buffer [2(T+1), B, H] (h0, every h, then c0, every c), so a
  // single node receives both gradients, in a shape the outputs narrow straight out of; with h0
  // in front, the h_prev of all steps are consecutive rows (one dW_hh product in backward).
  const out = empty([2 * (T + 1), B, H], 'lstmSequence');
  const acts = empty([T, B, 4 * H], 'lstmSequence_acts');
  const row = B * H * 4, half = (T + 1) * row; // bytes of one [B, H] row, and the c half's offset
  k.lstm_sequence(xi.ptr, whh.ptr, bhh ? bhh.ptr : 0, !!bhh, h0.ptr, c0.ptr, out.ptr, out.ptr + half, acts.ptr, T, B, H);
  const parents = [xi, h0, c0, whh, ...(bhh ? [bhh] : [])];
  record(out, parents, (g) => {
    const dxi = empty(xi.shape, 'lstmSequence_grad_xi');
    const dh0 = empty([B, H], 'lstmSequence_grad_h0');
    const dc0 = empty([B, H], 'lstmSequence_grad_c0');
    const { gw, gb, acc, scratch } = weightTargets(whh, bhh);
    // g's rows 0 and T+1 (h0, c0 as copied into out) are no output's gradient: they are skipped.
    k.lstm_sequence_backward(whh.ptr, out.ptr, out.ptr + half, acts.ptr, g.ptr + row, g.ptr + half + row, dxi.ptr, dh0.ptr, dc0.ptr, gw.ptr, gb ? gb.ptr : 0, !!gb, T, B, H, h0.requiresGrad, acc);
    for (const s of scratch) s.dispose();
    accumulateGrad(xi, dxi, true);
    accumulateGrad(h0, dh0, true);
    accumulateGrad(c0, dc0, true);
  });
  // Nothing will run backward: the saved activations can go now.
  if (!out.requiresGrad) acts.dispose();
  const y = narrow(out, 0, 1, T);
  const hN = narrow(out, 0, T, 1).reshape([B, H]);
  const cN = narrow(out, 0, 2 * T + 1, 1).reshape([B, H]);
  return [y, hN, cN];
}

/**
 * GRU over a sequence (PyTorch's gates r, z, n: the reset gate scales W_hn·h + b_hn). xi [T,B,3H]
 * (or [T·B,3H]) = x·W_ihᵀ + b_ih, h0 [B,H], whh [3H,H], bhh [3H] or null. Returns every step's h [T,B,H] and
 * the final h.
 */
export function gruSequence(xi: Tensor, h0: Tensor, whh: Tensor, bhh: Tensor | null): [y: Tensor, hN: Tensor] {
  const [T, B, H] = check('gruSequence', 3, xi, whh, bhh, [['h0', h0]]);
  const k = K();
  // h0 and every step's h [T+1, B, H], as in lstmSequence.
  const hs = empty([T + 1, B, H], 'gruSequence');
  const acts = empty([T, B, 4 * H], 'gruSequence_acts');
  const row = B * H * 4;
  k.gru_sequence(xi.ptr, whh.ptr, bhh ? bhh.ptr : 0, !!bhh, h0.ptr, hs.ptr, acts.ptr, T, B, H);
  record(hs, [xi, h0, whh, ...(bhh ? [bhh] : [])], (g) => {
    const dxi = empty(xi.shape, 'gruSequence_grad_xi');
    const dh0 = empty([B, H], 'gruSequence_grad_h0');
    const { gw, gb, acc, scratch } = weightTargets(whh, bhh);
    k.gru_sequence_backward(whh.ptr, hs.ptr, acts.ptr, g.ptr + row, dxi.ptr, dh0.ptr, gw.ptr, gb ? gb.ptr : 0, !!gb, T, B, H, h0.requiresGrad, acc);
    for (const s of scratch) s.dispose();
    accumulateGrad(xi, dxi, true);
    accumulateGrad(h0, dh0, true);
  });
  if (!hs.requiresGrad) acts.dispose();
  return [narrow(hs, 0, 1, T), narrow(hs, 0, T, 1).reshape([B, H])];
}
