/**
 * Text → tokens. One pass of a regular expression over the text, so what counts as a word is
 * stated in one place (and `tokenize(text, { letters: 'ascii' })` is exactly the word2vec corpus
 * rule "lowercase, letters only" that scripts/gensim-word2vec-reference.py uses).
 */
import { KnobsError } from '../errors.js';

export interface TokenizeOptions {
  /** Lowercase before matching (default true). */
  lowercase?: boolean;
  /**
   * What happens to punctuation (any character that is not a letter, digit or space):
   * 'remove' (default) drops it, 'split' makes each such character a token of its own.
   */
  punctuation?: 'remove' | 'split';
  /**
   * Which runs make a word: 'unicode' (default) letters and digits of any script, with inner
   * apostrophes kept (don't, o'clock); 'ascii' only runs of a–z (digits and accents split words).
   */
  letters?: 'unicode' | 'ascii';
}

const WORD_UNICODE = String.raw`[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*`;
const WORD_ASCII = '[a-zA-Z]+';
const PUNCT = String.raw`[^\s\p{L}\p{N}\p{M}]`;

function pattern(opts: TokenizeOptions): RegExp {
  const op = 'tokenize';
  const lowercase = opts.lowercase ?? true;
  const punctuation = opts.punctuation ?? 'remove';
  const letters = opts.letters ?? 'unicode';
  if (typeof lowercase !== 'boolean') throw new KnobsError(`${op}: lowercase must be true or false, got ${JSON.stringify(lowercase)}`);
  if (punctuation !== 'remove' && punctuation !== 'split') throw new KnobsError(`${op}: punctuation must be 'remove' or 'split', got ${JSON.stringify(punctuation)}`);
  if (letters !== 'unicode' && letters !== 'ascii') throw new KnobsError(`${op}: letters must be 'unicode' or 'ascii', got ${JSON.stringify(letters)}`);
  const word = letters === 'ascii' ? WORD_ASCII : WORD_UNICODE;
  // With ascii letters, a digit or an accented letter is neither word nor punctuation: it only separates.
  const punct = letters === 'ascii' ? String.raw`[^\sa-zA-Z\p{L}\p{N}\p{M}]` : PUNCT;
  return new RegExp(punctuation === 'split' ? `${word}|${punct}` : word, 'gu');
}

/** The tokens of `text`, in order. */
export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  if (typeof text !== 'string') throw new KnobsError(`tokenize: text must be a string, got ${typeof text}`);
  const re = pattern(opts);
  const s = (opts.lowercase ?? true) ? text.toLowerCase() : text;
  return s.match(re) ?? [];
}

export interface SentencesOptions extends TokenizeOptions {
  /** Characters that end a sentence (default '.!?'); line breaks never do, paragraphs may wrap. */
  sentenceEnds?: string;
}

/** `text` cut at sentence ends, each piece tokenized; sentences with no token are left out. */
export function sentences(text: string, opts: SentencesOptions = {}): string[][] {
  if (typeof text !== 'string') throw new KnobsError(`sentences: text must be a string, got ${typeof text}`);
  const ends = opts.sentenceEnds ?? '.!?';
  if (typeof ends !== 'string' || ends.length === 0) throw new KnobsError(`sentences: sentenceEnds must be a non-empty string, got ${JSON.stringify(ends)}`);
  const split = new RegExp(`[${ends.replace(/[\\\]^-]/g, '\\$&')}]`, 'u');
  const out: string[][] = [];
  for (const piece of text.split(split)) {
    const t = tokenize(piece, opts);
    if (t.length > 0) out.push(t);
  }
  return out;
}
