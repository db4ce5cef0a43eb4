/**
 * Grokking Deep Learning, chapter 8, "Dropout in code": the chapter-8 network widened to 100
 * hidden units, with half of them silenced at random for each training image (and the survivors
 * doubled), 300 epochs. Dropout stops the memorising: the book's test accuracy stays ≈ 0.81–0.82
 * to the end (I:290 Test-Acc 0.8181) while training accuracy rises only to ≈ 0.91.
 *
 *   npm run example -- book-ch8-dropout [--epochs 300] [--seed 1] [--every 10] [--exact-grad]
 *
 * Same correspondences as book-ch8.ts (loss = per-image sum of squared errors, lr = alpha / 2).
 * Dropout: the book's `mask = randint(2)`, `layer_1 *= mask * 2` is nn.Dropout(0.5) (inverted
 * dropout: zero with p = 0.5, scale survivors by 1/(1 − p) = 2; off in eval(), like the book's
 * test loop). In the backward pass the book multiplies by the mask but not by 2, i.e. half the
 * true gradient reaches the first layer; with its relu2deriv quirk (see book-ch8.ts) that is a
 * straight-through relu with gradient scale 0.5, which is what this example uses by default.
 */
import { pathToFileURL } from 'node:url';
import { DataLoader, fit, nn, optim } from '../ts/index.js';
import { alpha, sumSquaredError } from './book-ch8.js';
import { bookArgs, bookData, bookInit, bookLogger, StraightThroughReLU } from './book-ch-shared.js';

export async function main(argv?: string[]) {
  const args = bookArgs(300, argv);
  const { train, test } = await bookData();
  const model = new nn.Sequential(
    new nn.Linear(784, 100, { bias: false }),
    args.exactGrad ? new nn.ReLU() : new StraightThroughReLU(0.5),
    new nn.Dropout(0.5, { seed: args.seed + 100 }),
    new nn.Linear(100, 10, { bias: false }),
  );
  bookInit(model, { '0.weight': 0.1, '3.weight': 0.1 }, args.seed);
  const optimizer = new optim.SGD(model.parameters(), { lr: alpha / 2 });
  const log = bookLogger({ test: new DataLoader(test, { batchSize: 1000 }), loss: sumSquaredError, every: args.every, epochs: args.epochs, quiet: args.quiet });
  if (!args.quiet) console.log(`book ch.8 + dropout: 784-100-10 relu, dropout 0.5, per-image SGD (alpha ${alpha}), ${args.epochs} epochs on ${train.length} images`);
  await fit(model, new DataLoader(train, { batchSize: 1 }), { epochs: args.epochs, optimizer, loss: sumSquaredError, metrics: ['accuracy'], callbacks: log, verbose: false });
  if (!args.quiet) console.log(`final: Train-Acc ${log.final.trainAcc}  Test-Acc ${log.final.testAcc}   (book: I:290 Train-Acc 0.908, Test-Acc 0.8181)`);
  model.dispose();
  optimizer.dispose();
  return { final: log.final, points: log.points };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
