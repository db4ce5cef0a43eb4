/** Loss resolution and the accuracy count used by fit/evaluate. */
import { K } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { crossEntropy, mseLoss } from '../ops/losses.js';
import type { Tensor } from '../tensor.js';

export type LossFn = (pred: Tensor, target: Tensor) => Tensor;
/** 'crossEntropy' (softmax + CE on logits), 'mse', a function, or a loss module ({ forward }). */
export type LossLike = 'crossEntropy' | 'mse' | LossFn | { forward(pred: Tensor, target: Tensor): Tensor };
export type MetricName = 'accuracy';

export function resolveLoss(op: string, loss: LossLike | undefined): LossFn {
  if (loss === undefined || loss === 'crossEntropy') return (p, t) => crossEntropy(p, t);
  if (loss === 'mse') return (p, t) => mseLoss(p, t);
  if (typeof loss === 'function') return loss;
  if (loss && typeof (loss as { forward?: unknown }).forward === 'function') return (p, t) => loss.forward(p, t);
  throw new KnobsError(`${op}: loss must be 'crossEntropy', 'mse', a function (pred, target) => Tensor or a loss module, got ${JSON.stringify(loss)}`);
}

export function checkMetrics(op: string, metrics: readonly string[] | undefined): MetricName[] {
  const out: MetricName[] = [];
  for (const m of metrics ?? []) {
    if (m !== 'accuracy') throw new KnobsError(`${op}: unknown metric '${m}' (supported: accuracy)`);
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

/**
 * Number of rows whose predicted class matches the target. The prediction's class is its argmax
 * (first maximum, as NumPy); the target is a one-hot/probability row (argmax) or a class label.
 * A single output column is a binary classifier thresholded at 0.5 (Keras' binary accuracy).
 */
export function countCorrect(pred: Tensor, target: Tensor): number {
  if (pred.rank !== 2) throw new ShapeError(`accuracy: predictions must be 2-D [batch, classes], got ${fmtShape(pred.shape)}`);
  const [rows, cols] = pred.shape;
  if (rows === 0) return 0;
  const labelTarget = target.rank === 1 || (target.rank === 2 && target.shape[1] === 1 && cols > 1);
  if (target.shape[0] !== rows || (!labelTarget && (target.rank !== 2 || target.shape[1] !== cols))) {
    throw new ShapeError(`accuracy: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} do not match`);
  }
  if (cols === 1) {
    const p = pred.data, t = target.data;
    let c = 0;
    for (let i = 0; i < rows; i++) if (p[i] > 0.5 === t[i] > 0.5) c++;
    return c;
  }
  const k = K();
  const pa = new Uint32Array(rows);
  k.argmax_rows(pred.ptr, pa, rows, cols);
  let c = 0;
  if (labelTarget) {
    const t = target.data;
    for (let i = 0; i < rows; i++) if (pa[i] === t[i]) c++;
  } else {
    const ta = new Uint32Array(rows);
    k.argmax_rows(target.ptr, ta, rows, cols);
    for (let i = 0; i < rows; i++) if (pa[i] === ta[i]) c++;
  }
  return c;
}
