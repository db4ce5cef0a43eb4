/**
 * The character LSTM of examples/char-lstm.ts (Moby Dick): the book's sanity check — with the output
 * layer zeroed every prediction is uniform, so the first loss is exactly ln(vocabulary) — then a
 * short truncated-BPTT run that learns, and seeded sampling.
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, init, noGrad, tidy } from '../ts/index.js';
import { CharLSTM, CharVocab, MOBY_DICK, sample, train, windows } from '../examples/char-lstm.js';

beforeAll(() => init());
const text = existsSync(MOBY_DICK) ? readFileSync(MOBY_DICK, 'utf8').slice(0, 100_000) : null;

describe.skipIf(!text)('char LSTM on Moby Dick', () => {
  it('with the output weights zeroed the first loss is ln(vocabulary) exactly', () =>
    tidy(() => {
      const vocab = new CharVocab(text!);
      expect(vocab.size).toBeGreaterThan(60);
      const model = new CharLSTM(vocab.size, 32, 32, 1, 3);
      noGrad(() => {
        model.decoder.weight.data.fill(0);
        model.decoder.bias!.data.fill(0);
      });
      const w = windows(vocab.encode(text!), 16, 25)[0];
      const [logits] = model.forward(w.input, w.steps);
      const loss = crossEntropy(logits, w.target).item();
      expect(Math.abs(loss - Math.log(vocab.size))).toBeLessThan(1e-6);
      expect(Math.exp(loss)).toBeCloseTo(vocab.size, 4);
      model.dispose();
    }));

  it('windows continue each stream, targets are the next character', () => {
    const ids = Int32Array.from({ length: 41 }, (_, i) => i);
    const ws = windows(ids, 2, 7);
    // Two streams of 20: 0..19 and 20..39; windows of 7, 7, 6 steps.
    expect(ws.map((w) => w.steps)).toEqual([7, 7, 6]);
    expect(Array.from(ws[0].input.slice(0, 4))).toEqual([0, 20, 1, 21]);
    expect(Array.from(ws[1].input.slice(0, 2))).toEqual([7, 27]);
    expect(Array.from(ws[2].target.slice(-2))).toEqual([20, 40]);
  });

  it('a short run learns (perplexity falls well below the vocabulary) and sampling is seeded', async () => {
    const r = await train({ text: text!, chars: 20_000, hidden: 64, embed: 32, setup: 'modern', epochs: 2, maxWindows: 30, quiet: true, sampleLength: 40 });
    const vocab = r.vocab.size;
    expect(r.epochs[0].perplexity).toBeLessThan(vocab);
    expect(r.epochs[1].perplexity).toBeLessThan(r.epochs[0].perplexity);
    expect(r.epochs[1].perplexity).toBeLessThan(vocab / 2);
    const a = sample(r.model, r.vocab, { prime: 'The ', length: 60, temperature: 0.8, seed: 5 });
    const b = sample(r.model, r.vocab, { prime: 'The ', length: 60, temperature: 0.8, seed: 5 });
    const c = sample(r.model, r.vocab, { prime: 'The ', length: 60, temperature: 0.8, seed: 6 });
    expect(a).toHaveLength(60);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(() => sample(r.model, r.vocab, { prime: 'The ', length: 5, temperature: 0, seed: 1 })).toThrow(/temperature/);
    r.model.dispose();
    r.optimizer.dispose();
  }, 120_000);
});
