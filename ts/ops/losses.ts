/**
 * Losses: the "compare" of predict → compare → learn. Both refuse NaN/Inf inputs with an error
 * naming the loss and the shapes, because a non-finite loss silently poisons every knob.
 */
import { heap, K, _kernelsRecording } from '../backend/wasm.js';
import { accumulateGrad, isGradEnabled, record, recordScalar } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { SCALAR_SHAPE, Tensor, empty } from '../tensor.js';
import { rawBinary, rawScale, sameShape } from './broadcast.js';
import { assertFinite, checkTensor } from './checks.js';

/** 'none' keeps one loss per element (mseLoss) or per row (crossEntropy), as in PyTorch. */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, r: string): asserts r is Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new KnobsError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${r}'`);
}

/** 'none': (p − t)² per element, shaped like the prediction. */
function mseNone(pred: Tensor, target: Tensor): Tensor {
  const d = rawBinary('sub', pred, target);
  const out = rawBinary('mul', d, d);
  out.op = 'mseLoss';
  const y = record(out, [pred, target], (g) => {
    // d/dp (p − t)² = 2(p − t), times the upstream gradient of each element.
    const gp = rawBinary('mul', g, d);
    if (gp.size > 0) K().scale_inplace(gp.ptr, 2, 0, gp.size);
    if (target.requiresGrad) accumulateGrad(target, rawScale(gp, -1), true);
    accumulateGrad(pred, gp, true);
  });
  if (y.backwardFn === null) d.dispose();
  return y;
}

/**
 * Squared error Σ(p − t)² ('sum'), its mean over elements ('mean', the default, as in PyTorch),
 * or each element's (p − t)² ('none').
 */
export function mseLoss(pred: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkTensor('mseLoss', pred, 'prediction');
  checkTensor('mseLoss', target, 'target');
  checkReduction('mseLoss', reduction);
  if (!sameShape(pred.shape, target.shape)) {
    throw new ShapeError(`mseLoss: prediction ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
  // A recording kernel table (compileStep's trace) folds the scans it sees just before the loss
  // kernel into the loss: give it them in that order.
  const scanFirst = reduction === 'none' || _kernelsRecording();
  if (scanFirst) {
    assertFinite('mseLoss', pred, 'prediction');
    assertFinite('mseLoss', target, 'target');
  }
  if (reduction === 'none') return mseNone(pred, target);
  const k = K();
  const n = pred.size;
  const scale = reduction === 'mean' && n > 0 ? 1 / n : 1;
  const sum = n > 0 ? k.mse(pred.ptr, target.ptr, n) : 0;
  // A NaN or Infinity in either input makes the sum (of f64 squares) non-finite, so the scans
  // that name the culprit run only then: two wasm calls less per step. (A finite overflow to
  // Infinity passes both scans, as it did before them.)
  if (!scanFirst && !Number.isFinite(sum)) {
    assertFinite('mseLoss', pred, 'prediction');
    assertFinite('mseLoss', target, 'target');
  }
  const out = empty(SCALAR_SHAPE, 'mseLoss');
  heap()[out.ptr >>> 2] = sum * scale;
  return recordScalar(
    out,
    [pred, target],
    (g) => {
      // d/dp Σ(p − t)² = 2(p − t); the upstream scalar and the reduction fold into one factor.
      const factor = 2 * scale * g;
      const gp = empty(pred.shape, 'mse_grad');
      if (n > 0) k.mse_backward(pred.ptr, target.ptr, gp.ptr, n, factor);
      if (target.requiresGrad) {
        const gt = empty(target.shape, 'mse_grad');
        if (n > 0) k.mse_backward(pred.ptr, target.ptr, gt.ptr, n, -factor);
        accumulateGrad(target, gt, true);
      }
      accumulateGrad(pred, gp, true);
    },
    // The same gradient at an offset (autograd's hand-over), when the target needs none; written
    // out again rather than shared with the closure above (see crossEntropy).
    target.requiresGrad
      ? undefined
      : (g, dst) => {
          if (n > 0) k.mse_backward(pred.ptr, target.ptr, dst, n, 2 * scale * g);
        },
  );
}

/** One-hot rows from integer class labels; validates every label against the class count. */
export function oneHotTensor(labels: Tensor | ArrayLike<number>, numClasses: number, op = 'oneHot'): Tensor {
  const vals = labels instanceof Tensor ? labels.toFloat32Array() : labels;
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new KnobsError(`${op}: numClasses must be a positive integer, got ${numClasses}`);
  const out = empty([vals.length, numClasses], 'oneHot');
  const d = out.data;
  d.fill(0);
  for (let i = 0; i < vals.length; i++) {
    const c = vals[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      out.dispose();
      throw new KnobsError(`${op}: label ${c} at index ${i} is not a class index in [0, ${numClasses})`);
    }
    d[i * numClasses + c] = 1;
  }
  return out;
}

/**
 * Softmax + cross-entropy on logits [n, classes], fused (one pass, stable log-sum-exp).
 * Targets: class probabilities / one-hot rows of the same shape, or n integer class labels
 * (a 1-D tensor or array). Mean over rows by default, as in PyTorch's CrossEntropyLoss; 'none'
 * gives the [n] per-row losses.
 */
export function crossEntropy(logits: Tensor, target: Tensor | ArrayLike<number>, reduction: Reduction = 'mean'): Tensor {
  checkTensor('crossEntropy', logits, 'logits');
  checkReduction('crossEntropy', reduction);
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be 2-D [batch, classes], got ${fmtShape(logits.shape)}`);
  const [rows, cols] = logits.shape;
  let tgt: Tensor;
  let ownTarget = false;
  if (target instanceof Tensor && target.rank === 2) {
    checkTensor('crossEntropy', target, 'target');
    if (!sameShape(target.shape, logits.shape)) {
      throw new ShapeError(`crossEntropy: logits ${fmtShape(logits.shape)} and target ${fmtShape(target.shape)} must have the same shape (or pass ${rows} class labels)`);
    }
    tgt = target;
  } else {
    if (!(target instanceof Tensor) && (target === null || typeof target !== 'object' || typeof (target as ArrayLike<number>).length !== 'number')) {
      throw new KnobsError(`crossEntropy: target must be a Tensor or an array of ${rows} class labels, got ${fmtValue(target)}`);
    }
    const len = target instanceof Tensor ? target.size : target.length;
    if ((target instanceof Tensor && target.rank !== 1) || len !== rows) {
      const desc = target instanceof Tensor ? fmtShape(target.shape) : `${len} labels`;
      throw new ShapeError(`crossEntropy: logits ${fmtShape(logits.shape)} need ${rows} class labels or a [${rows},${cols}] target, got ${desc}`);
    }
    tgt = oneHotTensor(target, cols, 'crossEntropy');
    ownTarget = true;
  }
  assertFinite('crossEntropy', logits, 'logits');
  assertFinite('crossEntropy', tgt, 'target');
  const k = K();
  const probs = empty(logits.shape, 'softmax');
  if (reduction === 'none') return crossEntropyRows(logits, tgt, probs, ownTarget);
  const total = logits.size > 0 ? k.softmax_cross_entropy(logits.ptr, tgt.ptr, probs.ptr, rows, cols) : 0;
  const scale = reduction === 'mean' && rows > 0 ? 1 / rows : 1;
  const out = empty(SCALAR_SHAPE, 'crossEntropy');
  heap()[out.ptr >>> 2] = total * scale;
  const free = () => {
    probs.dispose();
    if (ownTarget) tgt.dispose();
  };
  if (!logits.requiresGrad || !isGradEnabled()) {
    free();
    return out;
  }
  // The second form writes the same gradient at an offset (autograd's hand-over). Two closures,
  // not one shared helper: a closure called from both made V8 slow down the whole tiny step by half.
  return recordScalar(
    out,
    [logits],
    (g) => {
      const gl = empty(logits.shape, 'crossEntropy_grad');
      if (gl.size > 0) k.softmax_cross_entropy_backward(probs.ptr, tgt.ptr, gl.ptr, gl.size, scale * g);
      accumulateGrad(logits, gl, true);
    },
    (g, dst) => {
      if (logits.size > 0) k.softmax_cross_entropy_backward(probs.ptr, tgt.ptr, dst, logits.size, scale * g);
    },
  );
}

/** 'none': one loss per row; the backward scales each row's (softmax − t) by its own upstream gradient. */
function crossEntropyRows(logits: Tensor, tgt: Tensor, probs: Tensor, ownTarget: boolean): Tensor {
  const k = K();
  const [rows, cols] = logits.shape;
  const out = empty([rows], 'crossEntropy');
  if (logits.size > 0) k.softmax_cross_entropy_rows(logits.ptr, tgt.ptr, probs.ptr, out.ptr, rows, cols);
  else if (rows > 0) out.data.fill(0);
  const y = record(out, [logits], (g) => {
    const gl = empty(logits.shape, 'crossEntropy_grad');
    if (gl.size > 0) k.softmax_cross_entropy_rows_backward(probs.ptr, tgt.ptr, g.ptr, gl.ptr, rows, cols);
    accumulateGrad(logits, gl, true);
  });
  if (y.backwardFn === null) {
    probs.dispose();
    if (ownTarget) tgt.dispose();
  }
  return y;
}
