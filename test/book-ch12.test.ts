/**
 * The book's chapter 12 (examples/book-ch12.ts), shortened: a plain RNN predicting the next word of
 * bAbI task-1 sentences starts at the perplexity of a uniform guess (the vocabulary size) and
 * learns. The full run (30,000 iterations) goes 19.0 → 3.5; see the README.
 */
import { describe, expect, it } from 'vitest';
import { babiSentences, main } from '../examples/book-ch12.js';

describe('book chapter 12: next-word RNN on bAbI task 1', () => {
  it('the data are the first 1,000 lines as word ids over a small vocabulary', () => {
    const { sentences, vocab } = babiSentences(1000, 1);
    expect(sentences.length).toBe(1000);
    expect(vocab).toContain('mary');
    expect(vocab).toContain('where');
    expect(vocab.length).toBeGreaterThan(15);
    expect(Math.max(...sentences.flatMap((s) => [...s]))).toBe(vocab.length - 1);
  });

  it('perplexity starts within 2% of the vocabulary size and falls below 10 in 10,000 sentences', async () => {
    const { vocab, curve } = await main({ iterations: 10000, every: 2000, lr: 0.003, quiet: true });
    expect(Math.abs(curve[0].perplexity - vocab) / vocab).toBeLessThan(0.02);
    for (let i = 1; i < curve.length; i++) expect(curve[i].perplexity).toBeLessThan(curve[i - 1].perplexity + 0.05);
    expect(curve.at(-1)!.perplexity).toBeLessThan(10);
  }, 120_000);
});
