/**
 * Grokking Deep Learning, chapter 8, "3 Layer Network on MNIST": 784 → 40 relu → 10, no biases,
 * trained one image at a time (batch 1, no shuffling) on the first 1000 training images for 350
 * epochs with alpha 0.005. The book ends at Train-Acc 1.0, Test-Acc 0.7073: it memorises the
 * training set, and test accuracy, which peaked near 0.81 around epoch 10–20, falls (overfitting).
 *
 *   npm run example -- book-ch8 [--epochs 350] [--seed 1] [--every 10]
 *
 * How the book's numbers map onto knobs:
 * - Weights: 0.2·np.random.random(shape) − 0.1, i.e. U(−0.1, 0.1), no biases.
 * - Error: the book sums (label − prediction)² over the 10 outputs of an image, and prints its
 *   mean over images. That is our loss: per-image sum of squares, averaged over the batch
 *   (= 10 × mseLoss). With batch 1 it is exactly the book's per-image error.
 * - Learning rate: the book's step is `w += alpha · inputᵀ·(label − prediction)`, and
 *   (label − prediction) is −½ of d(error)/d(prediction). So plain SGD on this loss with
 *   lr = alpha / 2 = 0.0025 takes exactly the book's steps.
 * - The book's relu2deriv tests `output >= 0`, which is true for every relu output, so its backward
 *   pass lets the gradient through inactive units too. By default this example does the same
 *   (StraightThroughReLU) so its log can be compared line by line with the book's; pass
 *   --exact-grad for nn.ReLU's true derivative, which learns much better (Test-Acc ≈ 0.84 at
 *   epoch 350, ≈ 0.87 at its peak) — the book's overfitting curve is partly this quirk.
 * The book's random numbers (NumPy's seed 1) are not reproduced, so values differ in the digits.
 */
import { pathToFileURL } from 'node:url';
import { DataLoader, fit, mseLoss, nn, optim, type Tensor } from '../ts/index.js';
import { bookArgs, bookData, bookInit, bookLogger, StraightThroughReLU } from './book-ch-shared.js';

export const alpha = 0.005;
/** Per-image sum of squared errors, averaged over the batch (the book's "error"). */
export const sumSquaredError = (pred: Tensor, target: Tensor): Tensor => mseLoss(pred, target).mul(pred.shape[1]);

export async function main(argv?: string[]) {
  const args = bookArgs(350, argv);
  const { train, test } = await bookData();
  const model = new nn.Sequential(new nn.Linear(784, 40, { bias: false }), args.exactGrad ? new nn.ReLU() : new StraightThroughReLU(), new nn.Linear(40, 10, { bias: false }));
  bookInit(model, { '0.weight': 0.1, '2.weight': 0.1 }, args.seed);
  const optimizer = new optim.SGD(model.parameters(), { lr: alpha / 2 });
  const log = bookLogger({ test: new DataLoader(test, { batchSize: 1000 }), loss: sumSquaredError, every: args.every, epochs: args.epochs, quiet: args.quiet });
  if (!args.quiet) console.log(`book ch.8: 784-40-10 relu${args.exactGrad ? ' (exact gradient)' : " (the book's relu2deriv)"}, per-image SGD (alpha ${alpha}), ${args.epochs} epochs on ${train.length} images; test on ${test.length}`);
  await fit(model, new DataLoader(train, { batchSize: 1 }), { epochs: args.epochs, optimizer, loss: sumSquaredError, metrics: ['accuracy'], callbacks: log, verbose: false });
  if (!args.quiet) console.log(`final: Train-Acc ${log.final.trainAcc}  Test-Acc ${log.final.testAcc}   (book: Train-Acc 1.0, Test-Acc 0.7073)`);
  model.dispose();
  optimizer.dispose();
  return { final: log.final, points: log.points };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
