/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors).
 *
 * Layout: 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the
 * byte buffer; offsets are relative to the buffer start and elements are little-endian, row-major.
 *
 * Platform-neutral (ArrayBuffer/TypedArray/TextEncoder only) so it runs in browsers and workers.
 *
 * Rules follow the reference Rust crate (safetensors/src/tensor.rs, `read_metadata`/`validate`
 * and `prepare`):
 * - header length is capped (100_000_000 bytes by default), must fit in the file, and the header
 *   must be valid UTF-8 JSON (a BOM is rejected, trailing spaces are fine);
 * - tensors sorted by data_offsets must tile the buffer exactly: each begins where the previous
 *   ended (no gaps, no overlaps) and the last ends at the end of the file;
 * - end - begin must equal product(shape) * bitsize / 8, and that must be a whole number of bytes;
 * - unknown fields inside a tensor entry are ignored; `"__metadata__": null` means no metadata.
 * Stricter than the reference: duplicate keys anywhere in the header are rejected (the reference
 * keeps the last duplicate tensor name silently), and strings must be well-formed Unicode.
 *
 * The writer reproduces the reference byte for byte: tensors ordered by dtype from widest to
 * narrowest (the reference's enum order), ties by name in UTF-8 byte order; compact JSON with
 * `__metadata__` first; header padded with spaces to a multiple of 8. Because the widest types
 * come first after an 8-aligned header, every tensor lands aligned for its TypedArray.
 * The one difference: the reference writes metadata in hash-map (random) order, we sort its keys.
 *
 * Dtypes without a JS TypedArray are carried as their raw storage: F16/BF16 as Uint16Array bits,
 * BOOL and the F8 formats as Uint8Array, C64 as an interleaved (re, im) Float32Array, and the
 * packed sub-byte F4/F6 formats as Uint8Array of the packed bytes.
 */
import { KnobsError, fmtShape } from '../errors.js';

export type SafetensorsDtype =
  | 'BOOL' | 'F4' | 'F6_E2M3' | 'F6_E3M2' | 'U8' | 'I8'
  | 'F8_E5M2' | 'F8_E4M3' | 'F8_E8M0' | 'F8_E4M3FNUZ' | 'F8_E5M2FNUZ'
  | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'C64' | 'F64' | 'I64' | 'U64';

export type SafetensorsTypedArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsTypedArray;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  /** Undefined when the file has no `__metadata__` (so read → write round-trips byte for byte). */
  metadata: Record<string, string> | undefined;
}

export interface ReadSafetensorsOptions {
  /** Largest accepted JSON header in bytes (default 100_000_000, the reference crate's cap). */
  maxHeaderBytes?: number;
  /**
   * false (default): a tensor whose bytes are aligned for its TypedArray is a view into `bytes`
   * (zero-copy; writes go through to the input), a misaligned one is copied.
   * true: every tensor is a fresh copy, so the result never aliases the input.
   */
  copy?: boolean;
}

type Ctor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): SafetensorsTypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

interface DtypeInfo {
  /** Position in the reference enum, which is ordered by increasing alignment. */
  order: number;
  bits: number;
  ctor: Ctor;
}

const DTYPE_LIST: [SafetensorsDtype, number, Ctor][] = [
  ['BOOL', 8, Uint8Array],
  ['F4', 4, Uint8Array],
  ['F6_E2M3', 6, Uint8Array],
  ['F6_E3M2', 6, Uint8Array],
  ['U8', 8, Uint8Array],
  ['I8', 8, Int8Array],
  ['F8_E5M2', 8, Uint8Array],
  ['F8_E4M3', 8, Uint8Array],
  ['F8_E8M0', 8, Uint8Array],
  ['F8_E4M3FNUZ', 8, Uint8Array],
  ['F8_E5M2FNUZ', 8, Uint8Array],
  ['I16', 16, Int16Array],
  ['U16', 16, Uint16Array],
  ['F16', 16, Uint16Array],
  ['BF16', 16, Uint16Array],
  ['I32', 32, Int32Array],
  ['U32', 32, Uint32Array],
  ['F32', 32, Float32Array],
  ['C64', 64, Float32Array],
  ['F64', 64, Float64Array],
  ['I64', 64, BigInt64Array],
  ['U64', 64, BigUint64Array],
];

const DTYPES = new Map<string, DtypeInfo>(DTYPE_LIST.map(([name, bits, ctor], order) => [name, { order, bits, ctor }]));

/** Every dtype name the reader and writer accept, with its storage TypedArray. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = DTYPE_LIST.map(([name]) => name);

/** The TypedArray class that holds a dtype's data (raw storage for types JS lacks). */
export function safetensorsArrayType(dtype: SafetensorsDtype): string {
  const info = DTYPES.get(dtype);
  if (info === undefined) throw new KnobsError(`safetensors: unknown dtype ${quote(dtype)}`);
  return info.ctor.name;
}

export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** JSON-quoted and shortened: names come from untrusted files and may be megabytes long. */
function quote(s: unknown): string {
  let q: string;
  try {
    q = typeof s === 'string' ? JSON.stringify(s) : String(JSON.stringify(s) ?? s);
  } catch {
    q = String(s);
  }
  return q.length > 80 ? q.slice(0, 77) + '...' : q;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function defineOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  // Plain assignment of "__proto__" would set the prototype instead of adding a tensor.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Element count from a validated shape; null when it does not fit in a safe integer. */
function numel(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  return n;
}

function isDim(d: unknown): d is number {
  return typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;
}

/** Byte length of a tensor, or a reason why the shape/dtype pair is unusable. */
function byteLength(dtype: DtypeInfo, shape: readonly number[]): number | string {
  const n = numel(shape);
  if (n === null || n * dtype.bits > Number.MAX_SAFE_INTEGER) return 'element count overflows';
  const bits = n * dtype.bits;
  if (bits % 8 !== 0) return `${n} elements of ${dtype.bits} bits do not fill a whole number of bytes`;
  return bits / 8;
}

function compareUtf8(a: string, b: string): number {
  // Code point order equals UTF-8 byte order (Rust's String Ord); UTF-16 code unit order does not.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function typedArrayName(v: unknown): string {
  if (ArrayBuffer.isView(v)) return (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] ?? 'DataView';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  return typeof v;
}

// ---------------------------------------------------------------------------------------------
// Writer

/**
 * Serializes tensors (and optional string metadata) to safetensors bytes, identical to what the
 * reference implementation writes for the same input (except metadata key order, see above).
 * `data` must be the dtype's storage TypedArray (e.g. Float32Array for F32, BigInt64Array for
 * I64) holding exactly product(shape) elements. Data is copied little-endian, bit for bit.
 */
export function writeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (!isPlainObject(tensors)) {
    throw new KnobsError(`safetensors: tensors must be an object of {dtype, shape, data}, got ${typedArrayName(tensors)}`);
  }
  const entries: { name: string; nameBytes: Uint8Array; info: DtypeInfo; t: SafetensorsTensor; bytes: number }[] = [];
  const enc = new TextEncoder();
  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    if (name === METADATA_KEY) {
      throw new KnobsError(`safetensors: "${METADATA_KEY}" is reserved for metadata and cannot name a tensor`);
    }
    if (!isWellFormed(name)) throw new KnobsError(`safetensors: tensor name ${quote(name)} has a lone UTF-16 surrogate`);
    if (!isPlainObject(t)) throw new KnobsError(`safetensors: tensor ${quote(name)} must be {dtype, shape, data}`);
    const info = DTYPES.get(t.dtype as string);
    if (info === undefined) {
      throw new KnobsError(`safetensors: tensor ${quote(name)} has unknown dtype ${quote(t.dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isDim)) {
      throw new KnobsError(`safetensors: tensor ${quote(name)} shape must be an array of non-negative integers, got ${quote(t.shape)}`);
    }
    const bytes = byteLength(info, t.shape);
    if (typeof bytes === 'string') {
      throw new KnobsError(`safetensors: tensor ${quote(name)} ${t.dtype} shape ${fmtShape(t.shape)}: ${bytes}`);
    }
    const got = typedArrayName(t.data);
    if (got !== info.ctor.name) {
      throw new KnobsError(`safetensors: tensor ${quote(name)} is ${t.dtype}, so data must be a ${info.ctor.name}, got ${got}`);
    }
    if (t.data.byteLength !== bytes) {
      throw new KnobsError(
        `safetensors: tensor ${quote(name)} ${t.dtype} shape ${fmtShape(t.shape)} needs ${bytes} bytes, ` +
          `got ${got} of ${t.data.length} elements (${t.data.byteLength} bytes)`,
      );
    }
    if (!HOST_LITTLE_ENDIAN && info.ctor.BYTES_PER_ELEMENT > 1) {
      throw new KnobsError(`safetensors: writing multi-byte tensors on a big-endian host is not supported (tensor ${quote(name)})`);
    }
    entries.push({ name, nameBytes: enc.encode(name), info, t, bytes });
  }

  let metaJson = '';
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new KnobsError(`safetensors: metadata must be an object of strings, got ${typedArrayName(metadata)}`);
    const keys = Object.keys(metadata).sort(compareUtf8);
    const parts: string[] = [];
    for (const k of keys) {
      const v = metadata[k];
      if (typeof v !== 'string') {
        throw new KnobsError(`safetensors: metadata value for ${quote(k)} must be a string, got ${typeof v}`);
      }
      if (!isWellFormed(k) || !isWellFormed(v)) {
        throw new KnobsError(`safetensors: metadata entry ${quote(k)} has a lone UTF-16 surrogate`);
      }
      parts.push(JSON.stringify(k) + ':' + JSON.stringify(v));
    }
    metaJson = `${JSON.stringify(METADATA_KEY)}:{${parts.join(',')}}`;
  }

  entries.sort((a, b) => b.info.order - a.info.order || compareBytes(a.nameBytes, b.nameBytes));

  // Built by hand, not JSON.stringify(object): JS objects put integer-like keys ("0", "12") first,
  // which would break the reference's order. JSON.stringify on strings escapes exactly as serde_json.
  const parts: string[] = metaJson ? [metaJson] : [];
  let offset = 0;
  for (const e of entries) {
    const begin = offset;
    offset += e.bytes;
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${e.t.dtype}","shape":[${e.t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
  }
  const json = enc.encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  if (headerLen > SAFETENSORS_MAX_HEADER_BYTES) {
    throw new KnobsError(`safetensors: header would be ${headerLen} bytes, above the format's ${SAFETENSORS_MAX_HEADER_BYTES}-byte cap`);
  }
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const e of entries) {
    out.set(new Uint8Array(e.t.data.buffer, e.t.data.byteOffset, e.bytes), pos);
    pos += e.bytes;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Reader

/**
 * Checks what JSON.parse cannot: duplicate keys (JSON.parse keeps the last silently), and that
 * shape / data_offsets entries are written as plain integers (JSON.parse turns "4.0" and "4e0"
 * into 4, the reference rejects them). Runs only on text JSON.parse has accepted, so it can
 * tokenize loosely. Iterative, so deep nesting cannot overflow the call stack.
 */
function scanHeader(text: string): void {
  interface Frame {
    isObject: boolean;
    keys: Set<string> | null;
    expectKey: boolean;
    key: string | null;
  }
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let escaped = false;
      i++;
      while (i < n && text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i++;
        }
        i++;
      }
      const top = stack[stack.length - 1];
      if (top !== undefined && top.isObject && top.expectKey) {
        const raw = text.slice(start, i);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys!.has(key)) {
          const where =
            stack.length === 1 ? 'at the top level' : stack.length === 2 ? `in ${quote(stack[0].key)}` : 'in a nested object';
          throw new KnobsError(`safetensors: header has duplicate key ${quote(key)} ${where}`);
        }
        top.keys!.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i++;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const isObject = c === 0x7b;
      stack.push({ isObject, keys: isObject ? new Set() : null, expectKey: isObject, key: null });
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.isObject) top.expectKey = true;
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const inIntArray =
        stack.length === 3 &&
        !stack[2].isObject &&
        stack[0].key !== METADATA_KEY &&
        (stack[1].key === 'shape' || stack[1].key === 'data_offsets');
      if (inIntArray && !/^[0-9]+$/.test(text.slice(start, i))) {
        throw new KnobsError(
          `safetensors: tensor ${quote(stack[0].key)} ${stack[1].key} must hold non-negative integers, found ${quote(text.slice(start, i))}`,
        );
      }
    } else {
      i++;
    }
  }
}

function isNumberChar(c: number): boolean {
  // digits, '+', '-', '.', 'e', 'E'
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x65 || c === 0x45;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  info: DtypeInfo;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes. Every malformed or hostile input (truncation, oversized header,
 * invalid JSON, unknown dtype, bad shape/offsets, gaps/overlaps, size mismatch, non-string
 * metadata, duplicate keys) throws a KnobsError naming the problem; nothing is allocated from
 * header numbers before they are checked against the bytes actually present.
 */
export function readSafetensors(bytes: Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new KnobsError(`safetensors: expected a Uint8Array, got ${typedArrayName(bytes)}`);
  }
  const cap = opts.maxHeaderBytes ?? SAFETENSORS_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(cap) || cap < 0) {
    throw new KnobsError(`safetensors: maxHeaderBytes must be a non-negative integer, got ${cap}`);
  }
  if (bytes.length < 8) {
    throw new KnobsError(`safetensors: file is truncated: ${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(cap)) {
    throw new KnobsError(`safetensors: header length ${n64} is above the cap of ${cap} bytes (raise maxHeaderBytes if the file is trusted)`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    throw new KnobsError(`safetensors: file is truncated: header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  }

  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text so JSON.parse rejects it, as the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new KnobsError('safetensors: header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new KnobsError(`safetensors: header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isPlainObject(header)) {
    throw new KnobsError(`safetensors: header must be a JSON object, got ${header === null ? 'null' : Array.isArray(header) ? 'an array' : typeof header}`);
  }
  scanHeader(text);

  const dataStart = 8 + n;
  const bufferLen = bytes.length - dataStart;
  let metadata: Record<string, string> | undefined;
  const entries: Entry[] = [];
  for (const name of Object.keys(header)) {
    const v = header[name];
    if (!isWellFormed(name)) throw new KnobsError(`safetensors: key ${quote(name)} has a lone UTF-16 surrogate`);
    if (name === METADATA_KEY) {
      if (v === null) continue;
      if (!isPlainObject(v)) throw new KnobsError(`safetensors: "${METADATA_KEY}" must be an object of strings`);
      metadata = {};
      for (const k of Object.keys(v)) {
        const s = v[k];
        if (typeof s !== 'string') {
          throw new KnobsError(`safetensors: metadata value for ${quote(k)} must be a string, got ${s === null ? 'null' : Array.isArray(s) ? 'an array' : typeof s}`);
        }
        if (!isWellFormed(k) || !isWellFormed(s)) throw new KnobsError(`safetensors: metadata entry ${quote(k)} has a lone UTF-16 surrogate`);
        defineOwn(metadata, k, s);
      }
      continue;
    }
    const what = `safetensors: tensor ${quote(name)}`;
    if (!isPlainObject(v)) throw new KnobsError(`${what} must be an object {dtype, shape, data_offsets}`);
    const info = typeof v.dtype === 'string' ? DTYPES.get(v.dtype) : undefined;
    if (info === undefined) {
      throw new KnobsError(`${what} has unknown dtype ${quote(v.dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    }
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every(isDim)) {
      throw new KnobsError(`${what} shape must be an array of non-negative integers, got ${quote(shape)}`);
    }
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !isDim(offs[0]) || !isDim(offs[1])) {
      throw new KnobsError(`${what} data_offsets must be two non-negative integers [begin, end], got ${quote(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw new KnobsError(`${what} data_offsets [${begin},${end}] end before they begin`);
    if (end > bufferLen) {
      throw new KnobsError(`safetensors: file is truncated: tensor ${quote(name)} data_offsets [${begin},${end}] run past the end of the ${bufferLen}-byte buffer`);
    }
    const size = byteLength(info, shape);
    if (typeof size === 'string') throw new KnobsError(`${what} ${v.dtype} shape ${fmtShape(shape)}: ${size}`);
    if (end - begin !== size) {
      throw new KnobsError(`${what} ${v.dtype} shape ${fmtShape(shape)} needs ${size} bytes but data_offsets [${begin},${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: v.dtype as SafetensorsDtype, info, shape: shape.slice(), begin, end });
  }

  // The reference requires the tensors, in offset order, to tile the buffer with no gap or overlap.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < expected) {
      throw new KnobsError(`safetensors: tensor ${quote(e.name)} data_offsets [${e.begin},${e.end}] overlap tensor ${quote(prev!.name)} [${prev!.begin},${prev!.end}]`);
    }
    if (e.begin > expected) {
      throw new KnobsError(`safetensors: gap in the buffer: bytes ${expected}..${e.begin} before tensor ${quote(e.name)} belong to no tensor`);
    }
    expected = e.end;
    prev = e;
  }
  if (expected !== bufferLen) {
    throw new KnobsError(`safetensors: the buffer has ${bufferLen - expected} trailing bytes after the last tensor (tensors cover ${expected} of ${bufferLen})`);
  }

  const copy = opts.copy ?? false;
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const ctor = e.info.ctor;
    const item = ctor.BYTES_PER_ELEMENT;
    if (!HOST_LITTLE_ENDIAN && item > 1) {
      throw new KnobsError(`safetensors: reading multi-byte tensors on a big-endian host is not supported (tensor ${quote(e.name)})`);
    }
    const abs = bytes.byteOffset + dataStart + e.begin;
    const len = (e.end - e.begin) / item;
    const data =
      !copy && abs % item === 0
        ? new ctor(bytes.buffer, abs, len)
        : new ctor(bytes.slice(dataStart + e.begin, dataStart + e.end).buffer, 0, len);
    defineOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
