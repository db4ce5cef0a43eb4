/**
 * Grokking Deep Learning, chapter 9, "Upgrading our MNIST network": tanh hidden layer (100 units)
 * with dropout, softmax output, minibatches of 100, alpha 2, 300 epochs on the first 1000 images.
 * The book reaches Test-Acc ≈ 0.87.
 *
 *   npm run example -- book-ch9 [--epochs 300] [--seed 1] [--every 10] [--exact-grad]
 *
 * How the book's numbers map onto knobs:
 * - Weights: first layer 0.02·random − 0.01 = U(−0.01, 0.01) (small, so tanh starts near linear),
 *   second 0.2·random − 0.1 = U(−0.1, 0.1); no biases.
 * - Softmax output with delta (label − softmax) is the gradient of cross-entropy on the logits,
 *   so the model ends in a Linear and the loss is 'crossEntropy' (softmax fused in, mean over the
 *   batch).
 * - Learning rate: the book divides its delta by batch_size · layer_2.shape[0] = 100 · 100, i.e.
 *   by the batch size twice; the mean-reduced loss divides once, so lr = alpha / batch = 0.02.
 * - Dropout: as in chapter 8, mask·2 forward (nn.Dropout(0.5)). Backward, the book multiplies by
 *   tanh2deriv of the *dropped-out, doubled* output (1 − (2h)² for kept units instead of 1 − h²)
 *   and by the mask without the 2. This example reproduces that by default (BookTanhDropout);
 *   --exact-grad uses nn.Tanh + nn.Dropout with the true derivative.
 * - Test accuracy is measured with tanh (the printed book; the notebook's test loop says relu).
 */
import { pathToFileURL } from 'node:url';
import { DataLoader, fit, nn, optim, tanh, tensor, type Tensor } from '../ts/index.js';
import { bookArgs, bookData, bookInit, bookLogger } from './book-ch-shared.js';

export const alpha = 2;
export const batchSize = 100;

/** tanh then dropout, with the book's backward: d(out)/dx = mask · (1 − out²), out = 2·tanh(x)·mask. */
export class BookTanhDropout extends nn.Module {
  static readonly type = 'book.TanhDropout';
  readonly dropout: nn.Dropout;
  constructor(readonly p: number, readonly seed: number) {
    super();
    this.dropout = this.addModule('dropout', new nn.Dropout(p, { seed }));
  }
  // Registered, so a model holding it can be saved, loaded and sent to a worker.
  override config(): nn.JsonObject {
    return { p: this.p, seed: this.seed };
  }
  static fromConfig(c: nn.JsonObject): BookTanhDropout {
    return new BookTanhDropout(c.p as number, c.seed as number);
  }
  forward(x: Tensor): Tensor {
    if (!this.training) return tanh(x);
    const out = this.dropout.forward(tanh(x.detach()));
    const d = out.data;
    const k = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) k[i] = d[i] === 0 ? 0 : 1 - d[i] * d[i];
    // Value `out`, derivative k: k·x + detach(out − k·x).
    const kx = x.mul(tensor(k, out.shape));
    return kx.add(out.sub(kx).detach());
  }
}

nn.register(BookTanhDropout);

export async function main(argv?: string[]) {
  const args = bookArgs(300, argv);
  const { train, test } = await bookData();
  const hidden = args.exactGrad ? [new nn.Tanh(), new nn.Dropout(0.5, { seed: args.seed + 100 })] : [new BookTanhDropout(0.5, args.seed + 100)];
  const model = new nn.Sequential(new nn.Linear(784, 100, { bias: false }), ...hidden, new nn.Linear(100, 10, { bias: false }));
  const last = `${model.layers.length - 1}.weight`;
  bookInit(model, { '0.weight': 0.01, [last]: 0.1 }, args.seed);
  const optimizer = new optim.SGD(model.parameters(), { lr: alpha / batchSize });
  const log = bookLogger({ test: new DataLoader(test, { batchSize: 1000 }), loss: 'crossEntropy', every: args.every, epochs: args.epochs, quiet: args.quiet });
  if (!args.quiet) console.log(`book ch.9: 784-100-10 tanh + dropout 0.5, softmax, batch ${batchSize} (alpha ${alpha}), ${args.epochs} epochs on ${train.length} images${args.exactGrad ? ' (exact gradient)' : ''}`);
  await fit(model, new DataLoader(train, { batchSize }), { epochs: args.epochs, optimizer, loss: 'crossEntropy', metrics: ['accuracy'], callbacks: log, verbose: false });
  if (!args.quiet) console.log(`final: Train-Acc ${log.final.trainAcc}  Test-Acc ${log.final.testAcc}   (book: Test-Acc ≈ 0.87)`);
  model.dispose();
  optimizer.dispose();
  return { final: log.final, points: log.points };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
