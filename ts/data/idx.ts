/**
 * Reader for the IDX format used by MNIST (and EMNIST, Fashion-MNIST, ...).
 *
 * Layout: a 4-byte magic `0x00 0x00 <dtype> <rank>`, then `rank` big-endian uint32 dimensions,
 * then the elements in big-endian, row-major order. MNIST images are magic 0x00000803
 * (uint8, [n, rows, cols]) and labels 0x00000801 (uint8, [n]).
 *
 * Platform-neutral: only ArrayBuffer/TypedArray/DataView (and DecompressionStream when present),
 * so it runs in Node, browsers and workers alike.
 *
 * The header is fully validated against the bytes actually present before anything sized from
 * it is allocated, so a hostile or truncated file can only cost as much memory as the file itself.
 */
import { KnobsError, fmtShape } from '../errors.js';
import { fmtValue } from '../options.js';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface ParsedIdx {
  dtype: IdxDtype;
  shape: number[];
  /**
   * Elements in row-major order, converted to host byte order.
   * uint8 and int8 are views into the input buffer (no copy: mutating them mutates the input);
   * wider types are fresh, aligned copies because they need a byte swap anyway.
   */
  data: IdxTypedArray;
}

type TypedArrayCtor = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): IdxTypedArray; BYTES_PER_ELEMENT: number };

const DTYPES: Record<number, { name: IdxDtype; ctor: TypedArrayCtor }> = {
  0x08: { name: 'uint8', ctor: Uint8Array },
  0x09: { name: 'int8', ctor: Int8Array },
  0x0b: { name: 'int16', ctor: Int16Array },
  0x0c: { name: 'int32', ctor: Int32Array },
  0x0d: { name: 'float32', ctor: Float32Array },
  0x0e: { name: 'float64', ctor: Float64Array },
};

/** IDX allows any rank in principle, but real files are rank 1–4; 8 bounds the header parse. */
export const IDX_MAX_RANK = 8;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function hex(n: number, width: number): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

interface IdxHeader {
  dtype: IdxDtype;
  ctor: TypedArrayCtor;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses and checks the header only. Throws if the header itself is incomplete or invalid;
 * does not look at the data section (callers compare `dataBytes` with what they have).
 */
function readHeader(bytes: Uint8Array): IdxHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new KnobsError(`idx: expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  }
  if (bytes.length < 4) {
    throw new KnobsError(`idx: file is truncated: ${bytes.length} bytes is too short for the 4-byte magic number`);
  }
  if (isGzip(bytes)) {
    throw new KnobsError(
      'idx: input is gzip-compressed (starts with 1f 8b); gunzip it first or use parseIdxMaybeGzip',
    );
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new KnobsError(
      `idx: wrong magic number ${hex(magic, 8)}: an IDX file starts with two zero bytes ` +
        `(MNIST images are 0x00000803, labels 0x00000801)`,
    );
  }
  const code = bytes[2];
  const info = DTYPES[code];
  if (info === undefined) {
    throw new KnobsError(
      `idx: unknown dtype code ${hex(code, 2)} in magic ${hex(magic, 8)} ` +
        `(known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
    );
  }
  const rank = bytes[3];
  if (rank === 0 || rank > IDX_MAX_RANK) {
    throw new KnobsError(`idx: rank ${rank} in magic ${hex(magic, 8)} is not supported (must be 1..${IDX_MAX_RANK})`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new KnobsError(
      `idx: file is truncated: header of a rank-${rank} array needs ${headerBytes} bytes, found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));

  // An empty dimension makes the array empty whatever the others say, so it cannot overflow.
  let dataBytes = 0;
  if (!shape.includes(0)) {
    dataBytes = info.ctor.BYTES_PER_ELEMENT;
    for (const d of shape) {
      dataBytes *= d;
      if (dataBytes > Number.MAX_SAFE_INTEGER) {
        throw new KnobsError(
          `idx: dimension product overflows: shape ${fmtShape(shape)} of ${info.name} is more than 2^53 bytes`,
        );
      }
    }
  }
  return { dtype: info.name, ctor: info.ctor, shape, headerBytes, dataBytes };
}

/**
 * Parses an (uncompressed) IDX file.
 * Throws a KnobsError for gzip input, a wrong magic number, an unknown dtype, rank 0 or above 8,
 * an overflowing shape, and when the data section is shorter or longer than the header says.
 */
export function parseIdx(bytes: Uint8Array): ParsedIdx {
  const h = readHeader(bytes);
  const found = bytes.length - h.headerBytes;
  if (found < h.dataBytes) {
    throw new KnobsError(`idx: file is truncated: header says ${h.dataBytes} bytes of data, found ${found}`);
  }
  if (found > h.dataBytes) {
    throw new KnobsError(
      `idx: file has ${found - h.dataBytes} trailing bytes: header says ${h.dataBytes} bytes of data, found ${found}`,
    );
  }
  const start = bytes.byteOffset + h.headerBytes;
  const size = h.ctor.BYTES_PER_ELEMENT;
  const n = h.dataBytes / size;
  if (size === 1) {
    return { dtype: h.dtype, shape: h.shape, data: new h.ctor(bytes.buffer, start, n) };
  }
  // Copy into a fresh buffer (which is also aligned) and swap to host order byte-wise rather than
  // via DataView.getFloat32: going through a JS number may quiet signalling NaN payloads.
  const out = new Uint8Array(h.dataBytes);
  out.set(bytes.subarray(h.headerBytes, h.headerBytes + h.dataBytes));
  if (HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < h.dataBytes; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = out[a];
        out[a] = out[b];
        out[b] = t;
      }
    }
  }
  return { dtype: h.dtype, shape: h.shape, data: new h.ctor(out.buffer, 0, n) };
}

export interface ParseIdxGzipOptions {
  /**
   * Refuse a decompressed file larger than this many bytes (default 2 GiB). Protects against
   * gzip bombs; raise it for datasets bigger than that.
   */
  maxBytes?: number;
}

const DEFAULT_MAX_GZIP_BYTES = 2 ** 31;

/**
 * Like parseIdx, but gunzips input that starts with the gzip magic (1f 8b) using the platform's
 * DecompressionStream (Node >= 18, modern browsers and workers). Uncompressed input is parsed as is.
 *
 * Decompression writes into a single buffer sized from the validated header, and stops as soon
 * as the output exceeds what the header declares, so a gzip bomb cannot exhaust memory.
 */
export async function parseIdxMaybeGzip(bytes: Uint8Array, options: ParseIdxGzipOptions = {}): Promise<ParsedIdx> {
  if (!(bytes instanceof Uint8Array)) {
    throw new KnobsError(`idx: expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  }
  if (!isGzip(bytes)) return parseIdx(bytes);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_GZIP_BYTES;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new KnobsError(`idx: maxBytes must be a positive integer, got ${fmtValue(maxBytes)}`);
  }
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (typeof DS !== 'function') {
    throw new KnobsError(
      'idx: input is gzip-compressed but this environment has no DecompressionStream; gunzip the file first',
    );
  }

  // Streams only take chunks backed by a plain ArrayBuffer, not a SharedArrayBuffer.
  const chunk0 = (bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()) as Uint8Array<ArrayBuffer>;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(chunk0);
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DS('gzip')).getReader();
  // Chunks before the header is known; then one exact-size buffer.
  const pending: Uint8Array[] = [];
  let pendingLen = 0;
  let out: Uint8Array | null = null;
  let dataBytes = 0;
  let filled = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new KnobsError(`idx: gzip decompression failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (chunk.done) break;
      const c = chunk.value;
      if (out === null) {
        pending.push(c);
        pendingLen += c.length;
        const head = concat(pending, pendingLen);
        pending.length = 0;
        pending.push(head);
        if (needMoreForHeader(head)) continue;
        const h = readHeader(head);
        const total = h.headerBytes + h.dataBytes;
        if (total > maxBytes) {
          throw new KnobsError(
            `idx: decompressed file would be ${total} bytes (shape ${fmtShape(h.shape)} ${h.dtype}), ` +
              `above maxBytes ${maxBytes}`,
          );
        }
        if (head.length > total) throw trailing(h.dataBytes);
        out = new Uint8Array(total);
        out.set(head);
        filled = head.length;
        dataBytes = h.dataBytes;
        pending.length = 0;
      } else {
        if (filled + c.length > out.length) throw trailing(dataBytes);
        out.set(c, filled);
        filled += c.length;
      }
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  // Truncated streams (and headers that never completed) get parseIdx's standard messages.
  return parseIdx(out === null ? concat(pending, pendingLen) : out.subarray(0, filled));
}

/** True while `head` is a valid-so-far prefix of an IDX header; invalid prefixes fail right away. */
function needMoreForHeader(head: Uint8Array): boolean {
  if (head.length < 4) return true;
  const rank = head[3];
  const plausible = head[0] === 0 && head[1] === 0 && DTYPES[head[2]] !== undefined && rank >= 1 && rank <= IDX_MAX_RANK;
  return plausible && head.length < 4 + 4 * rank;
}

function trailing(dataBytes: number): KnobsError {
  return new KnobsError(`idx: file has trailing bytes: header says ${dataBytes} bytes of data, found more`);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export interface IdxImagesOptions {
  /** Map uint8 pixels 0..255 to [0, 1] by dividing by 255 (default true; only valid for uint8). */
  scale?: boolean;
}

/**
 * Flattens a parsed image file [n, rows, cols, ...] to a Float32Array of shape [n, rows*cols*...],
 * the layout a dense first layer expects.
 */
export function idxImagesToFloat32(
  parsed: ParsedIdx,
  options: IdxImagesOptions = {},
): { data: Float32Array; shape: [number, number] } {
  const scale = options.scale ?? true;
  if (parsed.shape.length < 2) {
    throw new KnobsError(
      `idxImagesToFloat32: expected images of rank >= 2 ([n, rows, cols]), got shape ${fmtShape(parsed.shape)}`,
    );
  }
  if (scale && parsed.dtype !== 'uint8') {
    throw new KnobsError(
      `idxImagesToFloat32: scale=true maps uint8 0..255 to [0,1], but the data is ${parsed.dtype}; pass {scale: false}`,
    );
  }
  const n = parsed.shape[0];
  const features = parsed.shape.slice(1).reduce((a, b) => a * b, 1);
  if (parsed.data.length !== n * features) {
    throw new KnobsError(
      `idxImagesToFloat32: data has ${parsed.data.length} elements but shape ${fmtShape(parsed.shape)} needs ${n * features}`,
    );
  }
  const out = new Float32Array(parsed.data.length);
  const src = parsed.data;
  if (scale) {
    for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  } else {
    for (let i = 0; i < src.length; i++) out[i] = src[i];
  }
  return { data: out, shape: [n, features] };
}

/** One row per label with a 1 at the label's index: Float32Array of shape [labels.length, numClasses]. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new KnobsError(`oneHot: numClasses must be a positive integer, got ${fmtValue(numClasses)}`);
  }
  if (!labels || typeof labels.length !== 'number') throw new KnobsError('oneHot: labels must be an array of integers');
  const n = labels.length;
  // A Float32Array holds at most 2^32 − 1 elements here (and far fewer fit in memory).
  if (n * numClasses > 2 ** 32 - 1) throw new KnobsError(`oneHot: ${n} labels × ${numClasses} classes is too large for one array`);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new KnobsError(`oneHot: label at index ${i} is ${v}, expected an integer in [0, ${numClasses})`);
    }
  }
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) out[i * numClasses + labels[i]] = 1;
  return out;
}
