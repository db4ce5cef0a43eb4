/**
 * Grokking Deep Learning, chapter 10, "Neural learning about edges and corners": 16 convolution
 * kernels of 3×3 over the image, tanh, dropout, then a softmax layer; minibatches of 128, alpha 2,
 * 300 iterations on the first 1000 training images, tested on all 10,000 test images. The book
 * prints a final Test-Acc of 0.8774 (best 0.8818).
 *
 *   npm run example -- book-ch10 [--epochs 300] [--seed 1] [--every 10] [--book-grad]
 *
 * How the book's numbers map onto knobs:
 * - The book cuts 3×3 sections at rows and columns 0..24 (`range(28 − 3)`, one short of the 26
 *   valid positions), so its hidden layer is 25·25·16 = 10,000 values. BookCrop keeps the first
 *   27 rows and columns, and a valid 3×3 convolution over them gives exactly those 25×25 windows.
 * - Weights: kernels 0.02·random − 0.01 = U(−0.01, 0.01), output layer U(−0.1, 0.1); no biases.
 * - Only whole batches are used: int(1000 / 128) = 7 per epoch (896 images), as the book's loop.
 * - Softmax with delta (label − softmax) is cross-entropy on the logits; the book divides the delta
 *   by batch_size twice, the mean-reduced loss once, so lr = alpha / 128.
 * - The book updates the kernels with `kernels -= alpha · k_update`, where k_update is built from
 *   (label − prediction): the opposite sign of the output layer's `+=`, i.e. a step up the loss.
 *   It still learns (the output layer adapts to whatever features the kernels drift to), but by
 *   default this example uses the true gradient. --book-grad reproduces the book: the kernels'
 *   gradient negated (ReversedGradConv) and chapter 9's tanh derivative taken on the dropped-out,
 *   doubled output (BookTanhDropout).
 */
import { pathToFileURL } from 'node:url';
import { DataLoader, TensorDataset, conv2d, fit, nn, optim, type Tensor } from '../ts/index.js';
import { bookArgs, bookData, bookInit, bookLogger } from './book-ch-shared.js';
import { BookTanhDropout } from './book-ch9.js';

export const alpha = 2;
export const batchSize = 128;

/** The book's 25×25 window positions: the first 27 rows and columns of each image. */
export class BookCrop extends nn.Module {
  static readonly type = 'book.Crop';
  static fromConfig(): BookCrop {
    return new BookCrop();
  }
  forward(x: Tensor): Tensor {
    return x.narrow(2, 0, 27).narrow(3, 0, 27);
  }
}

/**
 * A bias-free Conv2d whose weight receives the negated gradient, so SGD moves it the way the
 * book's `kernels -= alpha · k_update` does. The weight used is 2·detach(w) − w: its value is w,
 * its derivative with respect to w is −1.
 */
export class ReversedGradConv extends nn.Conv2d {
  static override readonly type = 'book.ReversedGradConv';
  static override fromConfig(c: nn.JsonObject): ReversedGradConv {
    return new ReversedGradConv(c.inChannels as number, c.outChannels as number, c.kernelSize as [number, number]);
  }
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number]) {
    super(inChannels, outChannels, kernelSize, { bias: false });
  }
  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight.detach().mul(2).sub(this.weight), null);
  }
}

for (const cls of [BookCrop, ReversedGradConv]) nn.register(cls);

/** MNIST rows of 784 as [n, 1, 28, 28] images (the same Float32Array, another shape). */
export function asImages(d: TensorDataset): TensorDataset {
  return new TensorDataset({ data: d.x, shape: [d.length, 1, 28, 28] }, { data: d.y, shape: [d.length, ...d.yShape] });
}

export async function main(argv?: string[]) {
  const args = bookArgs(300, argv, { bookGrad: true });
  const data = await bookData();
  const train = asImages(data.train), test = asImages(data.test);
  const numKernels = 16;
  const conv = args.bookGrad ? new ReversedGradConv(1, numKernels, 3) : new nn.Conv2d(1, numKernels, 3, { bias: false });
  const hidden = args.bookGrad ? [new BookTanhDropout(0.5, args.seed + 100)] : [new nn.Tanh(), new nn.Dropout(0.5, { seed: args.seed + 100 })];
  const model = new nn.Sequential(new BookCrop(), conv, ...hidden, new nn.Flatten(), new nn.Linear(25 * 25 * numKernels, 10, { bias: false }));
  const last = `${model.layers.length - 1}.weight`;
  bookInit(model, { '1.weight': 0.01, [last]: 0.1 }, args.seed);
  const optimizer = new optim.SGD(model.parameters(), { lr: alpha / batchSize });
  const log = bookLogger({ test: new DataLoader(test, { batchSize: 1000 }), loss: 'crossEntropy', every: args.every, epochs: args.epochs, quiet: args.quiet });
  if (!args.quiet) {
    const how = args.bookGrad ? "the book's kernel update (wrong sign) and tanh derivative" : 'true gradients';
    console.log(`book ch.10: 16 kernels 3×3, tanh, dropout 0.5, softmax; batch ${batchSize} (alpha ${alpha}), ${args.epochs} iterations on ${train.length} images; ${how}`);
  }
  const t0 = performance.now();
  await fit(model, new DataLoader(train, { batchSize, dropLast: true }), { epochs: args.epochs, optimizer, loss: 'crossEntropy', metrics: ['accuracy'], callbacks: log, verbose: false });
  const seconds = (performance.now() - t0) / 1000;
  const best = Math.max(...log.points.map((p) => p.testAcc));
  if (!args.quiet) console.log(`final: Train-Acc ${log.final.trainAcc}  Test-Acc ${log.final.testAcc}  best Test-Acc ${best}  (${seconds.toFixed(1)} s; book: final 0.8774, best 0.8818)`);
  model.dispose();
  optimizer.dispose();
  return { final: log.final, points: log.points, best, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
