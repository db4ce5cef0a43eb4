/**
 * The translation task of examples/translate.ts: English → Spanish number words (spelling rules
 * checked against hand-written answers), the seq2seq model's encoding, decoding and config, and a
 * short training run whose held-out exact-match accuracy rises past a bound.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, englishNumberWords, init, loadModel, numberTokens, saveModel, spanishNumberWords, text, tidy } from '../ts/index.js';
import { encodeBatch, evaluate, makeTask, trainTranslate } from '../examples/translate.js';

beforeAll(() => init());

describe('number words', () => {
  it('Spanish follows the RAE spelling (veintiuno, cien/ciento, quinientos, mil, veintiún mil …)', () => {
    const want: [number, string, string][] = [
      [0, 'zero', 'cero'],
      [16, 'sixteen', 'dieciséis'],
      [21, 'twenty-one', 'veintiuno'],
      [22, 'twenty-two', 'veintidós'],
      [23, 'twenty-three', 'veintitrés'],
      [26, 'twenty-six', 'veintiséis'],
      [31, 'thirty-one', 'treinta y uno'],
      [100, 'one hundred', 'cien'],
      [101, 'one hundred one', 'ciento uno'],
      [312, 'three hundred twelve', 'trescientos doce'],
      [500, 'five hundred', 'quinientos'],
      [700, 'seven hundred', 'setecientos'],
      [900, 'nine hundred', 'novecientos'],
      [1000, 'one thousand', 'mil'],
      [1100, 'one thousand one hundred', 'mil cien'],
      [2001, 'two thousand one', 'dos mil uno'],
      [21000, 'twenty-one thousand', 'veintiún mil'],
      [31001, 'thirty-one thousand one', 'treinta y un mil uno'],
      [100000, 'one hundred thousand', 'cien mil'],
      [101000, 'one hundred one thousand', 'ciento un mil'],
      [555555, 'five hundred fifty-five thousand five hundred fifty-five', 'quinientos cincuenta y cinco mil quinientos cincuenta y cinco'],
      [999999, 'nine hundred ninety-nine thousand nine hundred ninety-nine', 'novecientos noventa y nueve mil novecientos noventa y nueve'],
    ];
    for (const [n, en, es] of want) {
      expect(englishNumberWords(n)).toBe(en);
      expect(spanishNumberWords(n)).toBe(es);
    }
    expect(numberTokens('twenty-one thousand')).toEqual(['twenty', 'one', 'thousand']);
    for (const bad of [-1, 1.5, 1_000_000, NaN]) {
      expect(() => spanishNumberWords(bad)).toThrow(KnobsError);
      expect(() => englishNumberWords(bad)).toThrow(/\[0, 999999\]/);
    }
  });

  it('every number has one Spanish phrase and distinct numbers have distinct phrases', () => {
    const seen = new Set<string>();
    for (let n = 0; n <= 999_999; n += 37) seen.add(spanishNumberWords(n));
    expect(seen.size).toBe(Math.floor(999_999 / 37) + 1);
  });
});

describe('seq2seq on number words', () => {
  it('batches: source reversed and left-padded, decoder input is the target shifted behind <s>', () => {
    const task = makeTask(999, 50, 1);
    const b = encodeBatch(task, [312, 7]);
    const S = task.srcLen, T = task.tgtLen;
    const col = (a: Int32Array, steps: number, j: number) => Array.from({ length: steps }, (_, t) => a[t * 2 + j]);
    expect(col(b.src, S, 0).slice(-3).map((i) => task.src.words[i])).toEqual(['twelve', 'hundred', 'three']);
    expect(col(b.src, S, 0).slice(0, S - 3)).toEqual(new Array(S - 3).fill(0));
    expect(col(b.tgtOut, T, 0).slice(0, 3).map((i) => task.tgt.words[i])).toEqual(['trescientos', 'doce', '</s>']);
    expect(col(b.tgtIn, T, 0).slice(0, 3).map((i) => task.tgt.words[i])).toEqual(['<s>', 'trescientos', 'doce']);
    expect(task.test.every((n) => task.isTest.has(n) && n <= 999)).toBe(true);
  });

  it('config round-trips through save/load; bad ids and options fail with clear errors', () =>
    tidy(() => {
      const m = new text.Seq2Seq(10, 12, { cell: 'gru', embedSize: 4, hiddenSize: 6, seed: 3 });
      const back = loadModel(saveModel(m)).model as text.Seq2Seq;
      expect(back.config()).toEqual(m.config());
      const src = Int32Array.from([3, 4, 5, 6]), tgt = Int32Array.from([1, 2, 1, 2, 1, 2]);
      expect(Array.from(back.forward(src, 2, tgt, 3).data)).toEqual(Array.from(m.forward(src, 2, tgt, 3).data));
      expect(() => m.forward(Int32Array.from([3, 40]), 2, tgt.slice(0, 3), 3)).toThrow(/outside the vocabulary/);
      expect(() => m.forward(src, 3, tgt, 3)).toThrow(ShapeError);
      expect(() => m.forward(src, 2, tgt.slice(0, 3), 3)).toThrow(/batch 2 and target batch 1/);
      expect(() => m.greedy(src, 2, { bos: 1, eos: 12, maxLength: 3 })).toThrow(/eos/);
      expect(() => m.beam(src, { bos: 1, eos: 2, maxLength: 3, beamWidth: 0 })).toThrow(/beamWidth/);
      expect(() => new text.Seq2Seq(10, 12, { cell: 'rnn' as 'gru' })).toThrow(/cell/);
      expect(() => text.Seq2Seq.fromConfig({ srcVocab: 3, tgtVocab: 4, layers: 2 })).toThrow(/unknown config key/);
      // Beam search of width 1 is greedy decoding.
      const one = Int32Array.from([3, 4, 5]);
      expect(m.beam(one, { bos: 1, eos: 2, maxLength: 5, beamWidth: 1 })).toEqual(m.greedy(one, 3, { bos: 1, eos: 2, maxLength: 5 })[0]);
    }));

  it('a short run on 0–999: held-out exact match rises past a bound (greedy and beam)', async () => {
    const r = await trainTranslate({ max: 999, steps: 300, batch: 32, hidden: 64, embed: 32, lr: 0.01, test: 100, evalEvery: 100, beam: 3, beamCount: 30, quiet: true, seed: 2 });
    const acc = r.history.map((h) => h.accuracy);
    expect(r.history.map((h) => h.step)).toEqual([0, 100, 200, 300]);
    // Untrained it gets nothing right; 300 steps of 32 numbers later, nearly all of the held-out ones.
    expect(acc[0]).toBeLessThan(0.05);
    expect(r.final.greedy).toBeGreaterThan(0.9);
    expect(r.final.beam!).toBeGreaterThan(0.9);
    // Evaluation is deterministic: the same model scores the same numbers the same way.
    expect(evaluate(r.model, r.task, r.task.test).greedy).toBe(r.final.greedy);
    r.model.dispose();
    r.optimizer.dispose();
  }, 180_000);
});
