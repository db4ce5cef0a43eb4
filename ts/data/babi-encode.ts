/**
 * bAbI samples as the id tensors a memory network reads (see nn.MemN2N): each row packs the
 * `memorySize` most recent statements (newest first, `sentenceLength` ids each, nil-padded) and
 * then the question; the label is the answer word's id. Id 0 is the nil word.
 */
import { KnobsError } from '../errors.js';
import { babiWords, type BabiSample } from './babi.js';

export interface EncodeBabiOptions {
  /** Word list with '<nil>' at 0 (babiVocab); must contain every word of the samples. */
  vocab: readonly string[];
  memorySize: number;
  sentenceLength: number;
}

export interface BabiEncoding {
  /** [n, (memorySize + 1)·sentenceLength] word ids. */
  x: Float32Array;
  /** [n] answer word ids. */
  y: Float32Array;
  n: number;
  rowLength: number;
}

/** '<nil>' then every word of the samples (statements, questions, answers), sorted: the same samples give the same ids. */
export function babiVocab(...sampleSets: readonly (readonly BabiSample[])[]): string[] {
  const words = new Set<string>();
  for (const set of sampleSets) {
    for (const s of set) {
      for (const sentence of [...s.context, s.question]) for (const w of babiWords(sentence)) words.add(w);
      words.add(s.answer.toLowerCase());
    }
  }
  words.delete('<nil>');
  return ['<nil>', ...[...words].sort()];
}

export function encodeBabi(samples: readonly BabiSample[], opts: EncodeBabiOptions): BabiEncoding {
  const { vocab, memorySize: M, sentenceLength: J } = opts ?? ({} as EncodeBabiOptions);
  if (!Array.isArray(vocab) || vocab[0] !== '<nil>') throw new KnobsError(`encodeBabi: vocab must be a word list starting with '<nil>' (see babiVocab)`);
  for (const [k, v] of [['memorySize', M], ['sentenceLength', J]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`encodeBabi: ${k} must be a positive integer, got ${v}`);
  }
  const ids = new Map(vocab.map((w, i) => [w, i]));
  const idOf = (w: string, where: string): number => {
    const i = ids.get(w);
    if (i === undefined) throw new KnobsError(`encodeBabi: word '${w}' of ${where} is not in the vocabulary (${vocab.length} words); build it with babiVocab over every split`);
    return i;
  };
  const row = (M + 1) * J;
  const x = new Float32Array(samples.length * row);
  const y = new Float32Array(samples.length);
  const put = (sentence: string, at: number, where: string) => {
    const words = babiWords(sentence);
    if (words.length > J) throw new KnobsError(`encodeBabi: ${where} has ${words.length} words, more than sentenceLength ${J}: ${JSON.stringify(sentence)}`);
    words.forEach((w, j) => (x[at + j] = idOf(w, where)));
  };
  samples.forEach((s, i) => {
    const base = i * row;
    const recent = s.context.slice(-M).reverse();
    recent.forEach((sentence, m) => put(sentence, base + m * J, `sample ${i}`));
    put(s.question, base + M * J, `sample ${i}'s question`);
    y[i] = idOf(s.answer.toLowerCase(), `sample ${i}'s answer`);
  });
  return { x, y, n: samples.length, rowLength: row };
}
