/**
 * The book's chapter 11 sentiment network (examples/book-ch11.ts), shortened: learning happens
 * (held-out accuracy well above the 0.5 of guessing), and the learned embedding rows put
 * "terrible" near other negative words rather than at random.
 */
import { describe, expect, it } from 'vitest';
import { hasSentiment } from '../ts/data/sentiment-node.js';
import { main } from '../examples/book-ch11.js';

describe.skipIf(!hasSentiment())('book chapter 11: sentiment from summed word embeddings', () => {
  it('6 passes over 2,000 labelled sentences: held-out accuracy > 0.7; similar("terrible") finds negative words', async () => {
    const r = await main(['--iterations', '6', '--quiet']);
    expect(r.trainAccuracy.at(-1)!).toBeGreaterThan(r.trainAccuracy[0]);
    expect(r.testAccuracy).toBeGreaterThan(0.7);
    const near = r.similar.terrible.slice(1).map(([w]) => w);
    const negative = ['waste', 'bland', 'awful', 'poor', 'bad', 'worst', 'disappointed', 'disappointing', 'mediocre', 'horrible', 'boring', 'fails', 'not', "wasn't", 'lame', 'slow', 'garbage'];
    expect(near.filter((w) => negative.includes(w)).length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
