/**
 * Context windows over a sequence of ids: for each position, the ids up to `window` places on
 * either side, padded where the sequence ends. The fixed width makes them a [n × 2·window] batch
 * for an embedding sum (CBOW, the book's fill-in-the-blank).
 */
import { KnobsError } from '../errors.js';

export interface ContextWindows {
  /** The id at each position. */
  centers: Int32Array;
  /** [centers.length × 2·window], row-major (see contextWindows). */
  contexts: Int32Array;
  /** 2·window. */
  width: number;
}

/**
 * Row i of `contexts` is ids[i−window .. i−1] then ids[i+1 .. i+window], in sequence order, with
 * `padId` where a neighbour would fall outside the sequence.
 */
export function contextWindows(ids: ArrayLike<number>, window: number, padId: number): ContextWindows {
  const op = 'contextWindows';
  if (!Number.isInteger(window) || window < 1) throw new KnobsError(`${op}: window must be an integer ≥ 1, got ${JSON.stringify(window)}`);
  if (!Number.isInteger(padId)) throw new KnobsError(`${op}: padId must be an integer, got ${JSON.stringify(padId)}`);
  const n = ids.length;
  const width = 2 * window;
  if (n * width > 2 ** 31 - 1) throw new KnobsError(`${op}: ${n} positions × width ${width} is too many for one array`);
  const centers = Int32Array.from(ids);
  const contexts = new Int32Array(n * width);
  for (let i = 0; i < n; i++) {
    let k = i * width;
    for (let j = i - window; j <= i + window; j++) {
      if (j === i) continue;
      contexts[k++] = j >= 0 && j < n ? centers[j] : padId;
    }
  }
  return { centers, contexts, width };
}
