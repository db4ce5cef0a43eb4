/** Loss modules: forward(prediction, target) → a scalar tensor (per-sample losses with reduction: 'none'). */
import { crossEntropy, mseLoss, type Reduction } from '../ops/losses.js';
import { Tensor } from '../tensor.js';

export class MSELoss {
  constructor(readonly opts: { reduction?: Reduction } = {}) {}
  forward(pred: Tensor, target: Tensor): Tensor {
    return mseLoss(pred, target, this.opts.reduction ?? 'mean');
  }
}

/** Softmax + cross-entropy on logits; targets are one-hot/probability rows or class labels. */
export class CrossEntropyLoss {
  constructor(readonly opts: { reduction?: Reduction } = {}) {}
  forward(logits: Tensor, target: Tensor | ArrayLike<number>): Tensor {
    return crossEntropy(logits, target, this.opts.reduction ?? 'mean');
  }
}
