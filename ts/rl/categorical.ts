/**
 * Categorical distribution over the last axis of `probs` or `logits` ([k] or [batch, k]), as
 * torch.distributions.Categorical. logProb and entropy are ops on the graph, so a policy's loss
 * can be built from them and back-propagated; sampling is seeded.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { add, exp, log, mul } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/activations.js';
import { sum } from '../ops/reduce.js';
import { assertFinite, checkTensor } from '../ops/checks.js';
import type { Rng } from '../random.js';
import { Tensor, empty } from '../tensor.js';

/**
 * Added to probabilities before the log: a zero probability becomes a log of about −69 instead
 * of −∞, so 0·log 0 terms (entropy, one-hot selection) are 0 rather than NaN. It is below
 * float32's resolution next to any probability above 1e-23, so it changes nothing else.
 */
const TINY = 1e-30;

export type CategoricalParams = { probs: Tensor; logits?: never } | { logits: Tensor; probs?: never };

export class Categorical {
  /** Normalised log-probabilities (log-softmax of the logits), same shape as the input. */
  readonly logits: Tensor;
  readonly batchSize: number;
  readonly numClasses: number;
  private readonly rank: number;
  private cachedProbs: Tensor | null = null;

  constructor(params: CategoricalParams) {
    const op = 'Categorical';
    const given = params.probs ?? params.logits;
    if ((params.probs === undefined) === (params.logits === undefined)) throw new KnobsError(`${op}: pass exactly one of probs or logits`);
    const name = params.probs ? 'probs' : 'logits';
    checkTensor(op, given!, name);
    const t = given!;
    if (t.rank < 1 || t.rank > 2 || t.shape[t.rank - 1] === 0) {
      throw new ShapeError(`${op}: ${name} must be [classes] or [batch, classes] with at least one class, got ${fmtShape(t.shape)}`);
    }
    assertFinite(op, t, name);
    this.rank = t.rank;
    this.numClasses = t.shape[t.rank - 1];
    this.batchSize = t.rank === 2 ? t.shape[0] : 1;
    if (params.probs) {
      const d = t.data;
      for (let r = 0; r < this.batchSize; r++) {
        let s = 0;
        for (let j = 0; j < this.numClasses; j++) {
          const p = d[r * this.numClasses + j];
          if (p < 0) throw new KnobsError(`${op}: probs ${fmtShape(t.shape)} has a negative entry ${p} in row ${r}`);
          s += p;
        }
        if (!(s > 0)) throw new KnobsError(`${op}: probs ${fmtShape(t.shape)} row ${r} sums to 0`);
      }
      // Like PyTorch, probs need not sum to 1: log-softmax of log(p) renormalises each row.
      this.logits = logSoftmax(log(add(t, TINY)));
    } else {
      this.logits = logSoftmax(t);
    }
  }

  /** Probabilities (softmax of the logits). */
  get probs(): Tensor {
    if (!this.cachedProbs || this.cachedProbs.isDisposed) this.cachedProbs = exp(this.logits);
    return this.cachedProbs;
  }

  /**
   * One class index per row, by inverting the row's cumulative distribution at rng.next().
   * Deterministic for the generator's state; advances it by batchSize draws.
   */
  sample(rng: Rng): Int32Array {
    return sampleLogProbs(this.logits.data, this.batchSize, this.numClasses, rng);
  }

  /** log p(action) per row: [batch] (a scalar for a 1-D distribution). Differentiable. */
  logProb(actions: ArrayLike<number>): Tensor {
    const op = 'Categorical.logProb';
    if (actions.length !== this.batchSize) {
      throw new ShapeError(`${op}: got ${actions.length} actions for a batch of ${this.batchSize} (logits ${fmtShape(this.logits.shape)})`);
    }
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i];
      if (!Number.isInteger(a) || a < 0 || a >= this.numClasses) throw new KnobsError(`${op}: action ${a} at index ${i} is not a class index in [0, ${this.numClasses})`);
    }
    const onehot = empty(this.logits.shape, 'oneHot');
    const d = onehot.data;
    d.fill(0);
    for (let i = 0; i < actions.length; i++) d[i * this.numClasses + actions[i]] = 1;
    // The one-hot product picks each row's entry and routes the gradient to it alone.
    return sum(mul(this.logits, onehot), { axis: this.rank - 1 });
  }

  /** −Σ p log p per row: [batch] (a scalar for a 1-D distribution). Differentiable. */
  entropy(): Tensor {
    return mul(sum(mul(this.probs, this.logits), { axis: this.rank - 1 }), -1);
  }

  dispose(): void {
    this.logits.dispose();
    this.cachedProbs?.dispose();
  }
}

/**
 * One class index per row of normalised log-probabilities lp [rows, k] (row-major), by inverting
 * the row's cumulative distribution at rng.next(); advances the generator by `rows` draws.
 * Categorical.sample, and an agent acting from log-probabilities it computed itself.
 */
export function sampleLogProbs(lp: Float32Array, rows: number, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const u = rng.next();
    let c = 0;
    let pick = k - 1;
    for (let j = 0; j < k; j++) {
      c += Math.exp(lp[r * k + j]);
      if (u < c) {
        pick = j;
        break;
      }
    }
    // Rounding can leave the cumulative sum just under 1: fall back to the last class that has mass.
    if (u >= c) while (pick > 0 && Math.exp(lp[r * k + pick]) === 0) pick--;
    out[r] = pick;
  }
  return out;
}
