/**
 * Word vectors to and from bytes: safetensors + a vocabulary JSON (knobs' own format), and the
 * word2vec format of word2vec.c that gensim reads and writes (`KeyedVectors.save_word2vec_format`
 * / `load_word2vec_format`), text or binary. Platform-neutral: bytes in, bytes out.
 */
import { KnobsError, ShapeError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { KeyedVectors } from './keyed-vectors.js';

export interface SavedKeyedVectors {
  /** One F32 tensor "vectors" [words × vectorSize]. */
  safetensors: Uint8Array;
  /** JSON {type: 'KeyedVectors', words, counts}: row i of the tensor is words[i]. */
  vocab: string;
}

export function saveKeyedVectors(kv: KeyedVectors): SavedKeyedVectors {
  const safetensors = writeSafetensors({ vectors: { dtype: 'F32', shape: [kv.size, kv.vectorSize], data: kv.vectors } }, { format: 'knobs.KeyedVectors' });
  return { safetensors, vocab: JSON.stringify({ type: 'KeyedVectors', words: kv.indexToKey, counts: kv.counts }) };
}

export function loadKeyedVectors(saved: SavedKeyedVectors): KeyedVectors {
  const op = 'loadKeyedVectors';
  let j: { type?: string; words?: unknown; counts?: unknown };
  try {
    j = JSON.parse(saved.vocab);
  } catch (e) {
    throw new KnobsError(`${op}: the vocabulary is not valid JSON (${(e as Error).message})`);
  }
  if (j?.type !== 'KeyedVectors' || !Array.isArray(j.words)) throw new KnobsError(`${op}: the vocabulary JSON is not a saved KeyedVectors`);
  const t = readSafetensors(saved.safetensors, { copy: true }).tensors.vectors;
  if (!t || t.dtype !== 'F32' || t.shape.length !== 2) throw new KnobsError(`${op}: the safetensors file needs one F32 tensor "vectors" of rank 2`);
  if (t.shape[0] !== j.words.length) throw new ShapeError(`${op}: ${j.words.length} words but the vectors are [${t.shape.join(',')}]`);
  const counts = Array.isArray(j.counts) ? (j.counts as number[]) : null;
  return new KeyedVectors(j.words as string[], t.data as Float32Array, t.shape[1], counts);
}

/** What numpy's str() prints for a float32 (the text gensim writes): shortest digits that read back. */
export function formatFloat32(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  let s = '';
  for (let p = 1; p <= 9; p++) {
    s = x.toExponential(p - 1);
    if (Math.fround(Number(s)) === x) break;
  }
  // s is d.ddde±x with the shortest mantissa.
  const [mant, expStr] = s.split('e');
  const exp = Number(expStr);
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e6) {
    const neg = mant.startsWith('-');
    const digits = mant.replace('-', '').replace('.', '');
    let out: string;
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      out = `${int}.${frac || '0'}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
    return neg ? `-${out}` : out;
  }
  const e = Math.abs(exp);
  return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** The word2vec format: a "words dims" line, then per word its name and values (text) or float32 bytes (binary). */
export function toWord2VecFormat(kv: KeyedVectors, opts: { binary?: boolean } = {}): Uint8Array {
  const enc = new TextEncoder();
  const d = kv.vectorSize, v = kv.vectors;
  const parts: Uint8Array[] = [enc.encode(`${kv.size} ${d}\n`)];
  for (let i = 0; i < kv.size; i++) {
    const row = v.subarray(i * d, (i + 1) * d);
    if (opts.binary) {
      parts.push(enc.encode(`${kv.indexToKey[i]} `));
      const b = new Uint8Array(4 * d);
      const dv = new DataView(b.buffer);
      row.forEach((x, k) => dv.setFloat32(4 * k, x, true));
      parts.push(b);
    } else {
      parts.push(enc.encode(`${kv.indexToKey[i]} ${Array.from(row, formatFloat32).join(' ')}\n`));
    }
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads what toWord2VecFormat, gensim or word2vec.c wrote; `binary` must say which kind it is. */
export function fromWord2VecFormat(bytes: Uint8Array, opts: { binary?: boolean } = {}): KeyedVectors {
  const op = 'fromWord2VecFormat';
  if (!(bytes instanceof Uint8Array)) throw new KnobsError(`${op}: expected the file's bytes as a Uint8Array`);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new KnobsError(`${op}: no header line ("words dims")`);
  const header = dec.decode(bytes.subarray(0, nl)).trim().split(/\s+/).map(Number);
  const [n, d] = header;
  if (header.length !== 2 || !Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 1) throw new KnobsError(`${op}: the header must be "words dims", got ${JSON.stringify(dec.decode(bytes.subarray(0, nl)))}`);
  if (n * d > 2 ** 30) throw new KnobsError(`${op}: ${n} words × ${d} dims is too large`);
  const words: string[] = [];
  const vectors = new Float32Array(n * d);
  let pos = nl + 1;
  if (opts.binary) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      while (bytes[pos] === 10) pos++; // word2vec.c ends rows with a newline, gensim does not
      const sp = bytes.indexOf(32, pos);
      if (sp < 0 || sp + 4 * d > bytes.length) throw new KnobsError(`${op}: the file ends inside word ${i} of ${n}`);
      words.push(dec.decode(bytes.subarray(pos, sp)));
      for (let k = 0; k < d; k++) vectors[i * d + k] = dv.getFloat32(sp + 1 + 4 * k, true);
      pos = sp + 1 + 4 * d;
    }
  } else {
    const lines = dec.decode(bytes.subarray(pos)).split('\n');
    if (lines[lines.length - 1] === '') lines.pop(); // the newline that ends the last row
    for (let i = 0; i < n; i++) {
      const line = lines[i];
      if (line === undefined) throw new KnobsError(`${op}: the header says ${n} words, the file has ${i}`);
      const f = line.trimEnd().split(' ');
      if (f.length !== d + 1) throw new ShapeError(`${op}: line ${i + 2} has ${f.length - 1} values, the header says ${d}`);
      words.push(f[0]);
      for (let k = 0; k < d; k++) {
        const s = f[k + 1];
        // numpy writes inf and nan (JS would read them as NaN); an empty field is not 0.
        const x = s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === '' ? NaN : Number(s);
        if (Number.isNaN(x) && s !== 'nan') throw new KnobsError(`${op}: line ${i + 2}: ${JSON.stringify(s)} is not a number`);
        vectors[i * d + k] = x;
      }
    }
  }
  return new KeyedVectors(words, vectors, d);
}
