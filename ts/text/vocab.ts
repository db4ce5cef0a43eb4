/**
 * Vocab: words ↔ integer ids, built from counted tokens. Ids are given by count, most frequent
 * first (ties keep first-seen order, as gensim does), after the special tokens.
 */
import { KnobsError } from '../errors.js';

export interface VocabOptions {
  /** Words seen fewer times are left out (default 1). */
  minCount?: number;
  /** At most this many words besides the specials, the most frequent (default: no limit). */
  maxSize?: number;
  /** Tokens with the first ids, in order (default ['<pad>', '<unk>']; [] for none). */
  specials?: readonly string[];
  /** The token unknown words encode to (default '<unk>'; null: unknown words are an error or skipped). */
  unkToken?: string | null;
  /** The padding token (default '<pad>'; null for none). */
  padToken?: string | null;
}

export interface VocabJSON {
  type: 'Vocab';
  words: string[];
  counts: number[];
  unkToken: string | null;
  padToken: string | null;
  specials: string[];
}

export class Vocab {
  /** Every token by id (specials first). */
  readonly words: readonly string[];
  /** How often each id's word was seen (0 for specials). */
  readonly counts: readonly number[];
  readonly specials: readonly string[];
  readonly unkToken: string | null;
  readonly padToken: string | null;
  private readonly index = new Map<string, number>();

  private constructor(words: string[], counts: number[], specials: string[], unk: string | null, pad: string | null) {
    this.words = words;
    this.counts = counts;
    this.specials = specials;
    this.unkToken = unk;
    this.padToken = pad;
    words.forEach((w, i) => {
      if (this.index.has(w)) throw new KnobsError(`Vocab: the word ${JSON.stringify(w)} appears twice`);
      this.index.set(w, i);
    });
    if (unk !== null && !this.index.has(unk)) throw new KnobsError(`Vocab: unkToken ${JSON.stringify(unk)} is not among the specials ${JSON.stringify(specials)}`);
    if (pad !== null && !this.index.has(pad)) throw new KnobsError(`Vocab: padToken ${JSON.stringify(pad)} is not among the specials ${JSON.stringify(specials)}`);
  }

  /** Counts the tokens of every sentence (or a flat token list) and keeps the frequent words. */
  static build(tokens: Iterable<string> | Iterable<readonly string[]>, opts: VocabOptions = {}): Vocab {
    const op = 'Vocab.build';
    const minCount = opts.minCount ?? 1;
    const maxSize = opts.maxSize ?? Infinity;
    if (!Number.isInteger(minCount) || minCount < 1) throw new KnobsError(`${op}: minCount must be an integer ≥ 1, got ${JSON.stringify(minCount)}`);
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < 0)) throw new KnobsError(`${op}: maxSize must be an integer ≥ 0, got ${JSON.stringify(maxSize)}`);
    const specials = [...(opts.specials ?? ['<pad>', '<unk>'])];
    const unk = opts.unkToken === undefined ? (specials.includes('<unk>') ? '<unk>' : null) : opts.unkToken;
    const pad = opts.padToken === undefined ? (specials.includes('<pad>') ? '<pad>' : null) : opts.padToken;
    const counts = new Map<string, number>();
    const add = (w: unknown) => {
      if (typeof w !== 'string') throw new KnobsError(`${op}: tokens must be strings, got ${typeof w}`);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    };
    for (const t of tokens as Iterable<string | readonly string[]>) {
      if (typeof t === 'string') add(t);
      else for (const w of t) add(w);
    }
    const special = new Set(specials);
    // Array.prototype.sort is stable: equal counts keep first-seen (Map insertion) order.
    const kept = [...counts].filter(([w, c]) => c >= minCount && !special.has(w)).sort((a, b) => b[1] - a[1]).slice(0, maxSize);
    return new Vocab([...specials, ...kept.map(([w]) => w)], [...specials.map(() => 0), ...kept.map(([, c]) => c)], specials, unk, pad);
  }

  get size(): number {
    return this.words.length;
  }
  has(word: string): boolean {
    return this.index.has(word);
  }
  /** The id of `word`, or undefined. */
  id(word: string): number | undefined {
    return this.index.get(word);
  }
  /** Ids of the tokens; unknown words become unkToken's id (an error without one, unless `skipUnknown`). */
  encode(tokens: readonly string[], opts: { skipUnknown?: boolean } = {}): Int32Array {
    const unk = this.unkToken === null ? -1 : this.index.get(this.unkToken)!;
    const out: number[] = [];
    for (const w of tokens) {
      const i = this.index.get(w);
      if (i !== undefined) out.push(i);
      else if (opts.skipUnknown) continue;
      else if (unk >= 0) out.push(unk);
      else throw new KnobsError(`Vocab.encode: ${JSON.stringify(w)} is not in the vocabulary and there is no unkToken (pass skipUnknown: true to drop such words)`);
    }
    return Int32Array.from(out);
  }
  /** The words of the ids (padding ids left out unless `keepPadding`). */
  decode(ids: ArrayLike<number>, opts: { keepPadding?: boolean } = {}): string[] {
    const pad = this.padToken === null ? -1 : this.index.get(this.padToken)!;
    const out: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.words.length) throw new KnobsError(`Vocab.decode: id ${i} at position ${k} is outside [0, ${this.words.length})`);
      if (i === pad && !opts.keepPadding) continue;
      out.push(this.words[i]);
    }
    return out;
  }

  toJSON(): VocabJSON {
    return { type: 'Vocab', words: [...this.words], counts: [...this.counts], unkToken: this.unkToken, padToken: this.padToken, specials: [...this.specials] };
  }
  static fromJSON(j: VocabJSON): Vocab {
    const op = 'Vocab.fromJSON';
    if (!j || j.type !== 'Vocab') throw new KnobsError(`${op}: not a saved Vocab (type ${JSON.stringify(j?.type)})`);
    if (!Array.isArray(j.words) || !Array.isArray(j.counts) || j.words.length !== j.counts.length) throw new KnobsError(`${op}: words and counts must be arrays of one length, got ${j.words?.length} and ${j.counts?.length}`);
    if (!j.words.every((w) => typeof w === 'string') || !j.counts.every((c) => Number.isInteger(c) && c >= 0)) throw new KnobsError(`${op}: words must be strings and counts non-negative integers`);
    const specials = j.specials ?? [];
    if (!specials.every((s, i) => j.words[i] === s)) throw new KnobsError(`${op}: the specials ${JSON.stringify(specials)} must be the first words`);
    return new Vocab([...j.words], [...j.counts], [...specials], j.unkToken ?? null, j.padToken ?? null);
  }
}
