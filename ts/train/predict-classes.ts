/**
 * Class outputs on top of predict (which returns the model's raw outputs, usually logits):
 * predictClasses gives the class index per row, predictProba the class probabilities, with
 * scikit-learn's names and shapes (a single-output binary model gets the two columns [1 − p, p]).
 *
 * What the raw outputs are is read from the model: a model ending in Softmax or Sigmoid already
 * outputs probabilities, one ending in LogSoftmax log-probabilities; anything else is taken as
 * logits (the default crossEntropy loss trains those). The `outputs` option overrides the guess.
 */
import { noGrad } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { LogSoftmax, Sequential, Sigmoid, Softmax } from '../nn/layers.js';
import type { AnyModule, Module } from '../nn/module.js';
import { argmax } from '../ops/extrema.js';
import { exp } from '../ops/elementwise.js';
import { sigmoid, softmax } from '../ops/activations.js';
import { cat } from '../ops/join.js';
import { checkOptions, fmtValue } from '../options.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { predict } from './fit.js';

/** What the model's outputs are: logits (default guess), probabilities, or log-probabilities. */
export type OutputKind = 'logits' | 'probabilities' | 'logProbabilities';

export interface PredictClassesOptions {
  batchSize?: number;
  /** Overrides what is read from the model's last layer. */
  outputs?: OutputKind;
}

type Input = Parameters<typeof predict>[1];

/** The last layer that runs (through nested Sequentials), to see whether it already normalises. */
function lastLayer(m: AnyModule): AnyModule {
  while (m instanceof Sequential) {
    const children = [...m.namedChildren()];
    if (children.length === 0) break;
    m = children[children.length - 1][1];
  }
  return m;
}

export function outputKind(model: AnyModule): OutputKind {
  const last = lastLayer(model);
  if (last instanceof Softmax || last instanceof Sigmoid) return 'probabilities';
  if (last instanceof LogSoftmax) return 'logProbabilities';
  return 'logits';
}

function options(op: string, model: Module, opts: PredictClassesOptions): { kind: OutputKind; batchSize?: number } {
  opts = checkOptions(op, opts, ['batchSize', 'outputs']);
  const kind = opts.outputs ?? outputKind(model);
  if (kind !== 'logits' && kind !== 'probabilities' && kind !== 'logProbabilities') throw new KnobsError(`${op}: outputs must be 'logits', 'probabilities' or 'logProbabilities', got ${fmtValue(opts.outputs)}`);
  return { kind, batchSize: opts.batchSize };
}

function rows(op: string, out: Tensor): [number, number] {
  if (out.rank !== 2) throw new ShapeError(`${op}: the model's outputs must be 2-D [samples, classes], got ${fmtShape(out.shape)}`);
  return [out.shape[0], out.shape[1]];
}

/**
 * Class probabilities [n, classes]: softmax of logits, exp of log-probabilities, or the outputs
 * as they are. A single output column is a binary classifier: the result is [n, 2] = [1 − p, p]
 * with p = sigmoid(logit) (or the output itself when it is already a probability).
 */
export function predictProba(model: Module, x: Input, opts: PredictClassesOptions = {}): Tensor {
  const op = 'predictProba';
  const { kind, batchSize } = options(op, model, opts);
  return tidy(() => {
    const out = predict(model, x, batchSize === undefined ? {} : { batchSize });
    const [, cols] = rows(op, out);
    return noGrad(() => {
      if (cols === 1) {
        const p = kind === 'logits' ? sigmoid(out) : kind === 'logProbabilities' ? exp(out) : out;
        return cat([p.mul(-1).add(1), p], 1);
      }
      return kind === 'logits' ? softmax(out, 1) : kind === 'logProbabilities' ? exp(out) : out;
    });
  });
}

/**
 * The predicted class of every row as an Int32Array: the argmax of the outputs (first maximum),
 * or for a single output column 1 where the output passes the decision point (logit > 0,
 * probability > 0.5), else 0.
 */
export function predictClasses(model: Module, x: Input, opts: PredictClassesOptions = {}): Int32Array {
  const op = 'predictClasses';
  const { kind, batchSize } = options(op, model, opts);
  return tidy(() => {
    const out = predict(model, x, batchSize === undefined ? {} : { batchSize });
    const [n, cols] = rows(op, out);
    if (cols === 1) {
      const cut = kind === 'probabilities' ? 0.5 : kind === 'logProbabilities' ? Math.log(0.5) : 0;
      const v = out.toFloat32Array();
      return Int32Array.from(v, (z) => (z > cut ? 1 : 0));
    }
    if (n === 0) return new Int32Array(0);
    return Int32Array.from(argmax(out, { axis: 1 }).toFloat32Array());
  });
}
