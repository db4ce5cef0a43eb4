import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  readSafetensors,
  SAFETENSORS_DTYPES,
  safetensorsArrayType,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  type SafetensorsTypedArray,
} from '../ts/io/safetensors.js';
import { KnobsError } from '../ts/errors.js';
import { Rng } from '../ts/random.js';
import { expectKnobsError, resultOrKnobsError } from './helpers/errors.js';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))));

const bytesOf = (a: ArrayBufferView): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** A raw file from a header (object or exact JSON text) and a data buffer, without our writer. */
function raw(header: unknown, data: ArrayLike<number> = [], headerLenOverride?: bigint): Uint8Array {
  const json =
    header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

function headerOf(file: Uint8Array): { len: number; text: string; json: Record<string, any> } {
  const len = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(file.subarray(8, 8 + len));
  return { len, text, json: JSON.parse(text) };
}

const f32 = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
const f64 = (bits: bigint[]) => new Float64Array(new BigUint64Array(bits).buffer);

/** The tensors make_safetensors_fixture.py saves, restated here independently of the file. */
function pythonTensors(): Record<string, SafetensorsTensor> {
  return {
    weight: { dtype: 'F32', shape: [2, 3], data: f32([0x3fc00000, 0x80000000, 0x7f800000, 0x7fa00001, 0x00000001, 0xc0500000]) },
    step: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 42n]) },
    bias: { dtype: 'F64', shape: [2], data: f64([0x3fb999999999999an, 0x7ff8dead00000001n]) },
    mask: { dtype: 'U8', shape: [4], data: new Uint8Array([0, 1, 254, 255]) },
    counts: { dtype: 'I32', shape: [2, 2], data: new Int32Array([-1, 2, 2 ** 31 - 1, -(2 ** 31)]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    half: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }, // 1.0, -2.0
    flags: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
    '10': { dtype: 'U8', shape: [1], data: new Uint8Array([1]) },
    '9': { dtype: 'U8', shape: [1], data: new Uint8Array([2]) },
    'été': { dtype: 'U8', shape: [1], data: new Uint8Array([3]) },
  };
}

function expectSameTensors(got: Record<string, SafetensorsTensor>, want: Record<string, SafetensorsTensor>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const name of Object.keys(want)) {
    const g = got[name];
    const w = want[name];
    expect(g.dtype, name).toBe(w.dtype);
    expect(g.shape, name).toEqual(w.shape);
    expect(Object.prototype.toString.call(g.data), name).toBe(Object.prototype.toString.call(w.data));
    expect(g.data.length, name).toBe(w.data.length);
    expect(bytesOf(g.data), name).toEqual(bytesOf(w.data)); // bit for bit: NaN payloads, -0
  }
}

describe('reference fixtures (written by the Python safetensors package)', () => {
  it('reads python_small.safetensors exactly', () => {
    const r = readSafetensors(fixture('python_small.safetensors'));
    expect(r.metadata).toEqual({ format: 'knobs-test' });
    expectSameTensors(r.tensors, pythonTensors());
    expect(r.tensors.weight.data[0]).toBe(1.5);
    expect(Object.is(r.tensors.weight.data[1], -0)).toBe(true);
    expect(r.tensors.step.data[0]).toBe(-(2n ** 63n));
    expect(r.tensors.bias.data[0]).toBe(0.1);
  });

  it('our writer produces byte-identical output for the same tensors', () => {
    const ref = fixture('python_small.safetensors');
    const t = pythonTensors();
    // Insertion order must not matter.
    const shuffled: Record<string, SafetensorsTensor> = {};
    for (const k of new Rng(5).shuffle(Object.keys(t))) shuffled[k] = t[k];
    const ours = writeSafetensors(shuffled, { format: 'knobs-test' });
    expect(ours.length).toBe(ref.length);
    expect(Buffer.from(ours).equals(Buffer.from(ref))).toBe(true);
  });

  it('reads python_multi_meta.safetensors; same tensors and data section as our writer', () => {
    const ref = fixture('python_multi_meta.safetensors');
    const meta = { a: '1', b: 'ü "quoted"\nline', c: '' };
    const r = readSafetensors(ref);
    expect(r.metadata).toEqual(meta);
    expectSameTensors(r.tensors, pythonTensors());
    // The reference writes metadata in hash-map order, so compare structure and data, not bytes.
    const ours = writeSafetensors(pythonTensors(), meta);
    const hr = headerOf(ref);
    const ho = headerOf(ours);
    expect(ho.len).toBe(hr.len);
    expect(ho.json).toEqual(hr.json);
    expect(Object.keys(ho.json)).toEqual(Object.keys(hr.json));
    expect(Buffer.from(ours.subarray(8 + ho.len)).equals(Buffer.from(ref.subarray(8 + hr.len)))).toBe(true);
    expect(Object.keys(ho.json.__metadata__)).toEqual(['a', 'b', 'c']);
  });
});

describe('writeSafetensors', () => {
  it('lays out the header as the reference does: compact JSON, metadata first, space padding to 8', () => {
    const out = writeSafetensors({ b: { dtype: 'U8', shape: [2], data: new Uint8Array([7, 8]) } }, { k: 'v' });
    const h = headerOf(out);
    const json = '{"__metadata__":{"k":"v"},"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}';
    expect(h.len % 8).toBe(0);
    expect(h.text).toBe(json + ' '.repeat(h.len - json.length));
    expect(Array.from(out.subarray(8 + h.len))).toEqual([7, 8]);
    // No metadata argument: no __metadata__ key at all.
    expect(headerOf(writeSafetensors({})).text.trim()).toBe('{}');
    expect(headerOf(writeSafetensors({}, {})).text.trim()).toBe('{"__metadata__":{}}');
  });

  it('orders widest dtypes first, then names by UTF-8 bytes, so every tensor is aligned', () => {
    const t: Record<string, SafetensorsTensor> = {
      u8: { dtype: 'U8', shape: [3], data: new Uint8Array(3) },
      f64: { dtype: 'F64', shape: [1], data: new Float64Array(1) },
      i16: { dtype: 'I16', shape: [1], data: new Int16Array(1) },
      f32: { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      u64: { dtype: 'U64', shape: [1], data: new BigUint64Array(1) },
      // U+FFFF sorts before U+1F600 in code points (and UTF-8), after it in UTF-16 code units.
      '\uffff': { dtype: 'U8', shape: [1], data: new Uint8Array(1) },
      '😀': { dtype: 'U8', shape: [1], data: new Uint8Array(1) },
      '2': { dtype: 'U8', shape: [1], data: new Uint8Array(1) },
    };
    const out = writeSafetensors(t);
    expect(Object.keys(headerOf(out).json)).toEqual(['2', 'u64', 'f64', 'f32', 'i16', 'u8', '\uffff', '😀']);
    // JSON.parse puts "2" first as an integer key; the raw text shows the real order.
    const text = headerOf(out).text;
    const order = ['"u64"', '"f64"', '"f32"', '"i16"', '"2"', '"u8"', '"\uffff"', '"😀"'].map((k) => text.indexOf(k));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const r = readSafetensors(out);
    for (const [name, tensor] of Object.entries(r.tensors)) {
      expect(tensor.data.buffer, name).toBe(out.buffer); // aligned, so a view
      expect(tensor.data.byteOffset % tensor.data.BYTES_PER_ELEMENT, name).toBe(0);
    }
  });

  it('round-trips every dtype bit for bit, including NaN payloads and -0', () => {
    const rng = new Rng(77);
    const t: Record<string, SafetensorsTensor> = {};
    for (const dtype of SAFETENSORS_DTYPES) {
      const bits = subByteBits(dtype);
      const shape = bits ? [2, 4] : [rng.int(3) + 1, rng.int(4)];
      const numel = shape[0] * shape[1];
      const probe = makeArray(dtype, 1);
      const nbytes = bits ? (numel * bits) / 8 : numel * probe.BYTES_PER_ELEMENT * (dtype === 'C64' ? 2 : 1);
      const raw = new Uint8Array(nbytes);
      for (let i = 0; i < nbytes; i++) raw[i] = rng.int(256);
      t[`t_${dtype}`] = { dtype, shape, data: reinterpret(dtype, raw) };
    }
    t.special32 = { dtype: 'F32', shape: [5], data: f32([0x80000000, 0x7fc00001, 0xffbfffff, 0x7f800001, 0x00800000]) };
    t.special64 = { dtype: 'F64', shape: [3], data: f64([0x8000000000000000n, 0x7ff0000000000001n, 0xfff8000000000000n]) };
    t.__proto__tensor = { dtype: 'U8', shape: [0], data: new Uint8Array(0) };
    Object.defineProperty(t, '__proto__', { value: { dtype: 'I8', shape: [2], data: new Int8Array([-1, 1]) }, enumerable: true });
    t[''] = { dtype: 'U8', shape: [], data: new Uint8Array([42]) };
    const meta = { z: 'last', a: 'first', 'ключ': 'значение', esc: '\u0000\t"\\\u007f\u2028' };

    const bytes = writeSafetensors(t, meta);
    for (const copy of [false, true]) {
      const r = readSafetensors(bytes, { copy });
      expectSameTensors(r.tensors, t);
      expect(r.metadata).toEqual(meta);
      expect(Object.getPrototypeOf(r.tensors)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(r.tensors, '__proto__')).toBe(true);
      // Writing what we read gives the same bytes back.
      expect(Buffer.from(writeSafetensors(r.tensors, r.metadata)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('rejects bad tensors and metadata with the tensor named', () => {
    const ok = (): SafetensorsTensor => ({ dtype: 'F32', shape: [2], data: new Float32Array(2) });
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), dtype: 'F128' as SafetensorsDtype } }), /^safetensors: tensor "w" has unknown dtype "F128" \(known: BOOL, /);
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), data: new Float64Array(2) } }), 'safetensors: tensor "w" is F32, so data must be a Float32Array, got Float64Array');
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), data: [1, 2] as unknown as Float32Array } }), /data must be a Float32Array, got Array/);
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), shape: [3] } }), 'safetensors: tensor "w" F32 shape [3] needs 12 bytes, got Float32Array of 2 elements (8 bytes)');
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), shape: [-2] } }), /tensor "w" shape must be an array of non-negative integers, got \[-2\]/);
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), shape: [0.5, 4] } }), /non-negative integers/);
    expectKnobsError(() => writeSafetensors({ w: { dtype: 'F4', shape: [3], data: new Uint8Array(2) } }), /F4 shape \[3\]: 3 elements of 4 bits do not fill a whole number of bytes/);
    expectKnobsError(() => writeSafetensors({ w: { ...ok(), shape: [2 ** 30, 2 ** 30, 2 ** 30] } }), /element count overflows/);
    expectKnobsError(() => writeSafetensors({ __metadata__: ok() }), /"__metadata__" is reserved/);
    expectKnobsError(() => writeSafetensors({ 'a\ud800': ok() }), /lone UTF-16 surrogate/);
    expectKnobsError(() => writeSafetensors({ w: ok() }, { k: 3 as unknown as string }), 'safetensors: metadata value for "k" must be a string, got number');
    expectKnobsError(() => writeSafetensors({ w: ok() }, { k: '\udc00' }), /metadata entry "k" has a lone UTF-16 surrogate/);
    expectKnobsError(() => writeSafetensors(null as unknown as Record<string, SafetensorsTensor>), /tensors must be an object/);
    // Still usable afterwards.
    expect(readSafetensors(writeSafetensors({ w: ok() })).tensors.w.shape).toEqual([2]);
  });
});

/** Bits per element of the packed sub-byte formats; 0 for the others. */
function subByteBits(dtype: SafetensorsDtype): number {
  return dtype === 'F4' ? 4 : dtype === 'F6_E2M3' || dtype === 'F6_E3M2' ? 6 : 0;
}

function makeArray(dtype: SafetensorsDtype, n: number): SafetensorsTypedArray {
  const ctors: Record<string, new (n: number) => SafetensorsTypedArray> = {
    Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  };
  return new ctors[safetensorsArrayType(dtype)](n);
}

function reinterpret(dtype: SafetensorsDtype, raw: Uint8Array): SafetensorsTypedArray {
  const probe = makeArray(dtype, 0);
  const C = probe.constructor as new (b: ArrayBuffer, o: number, n: number) => SafetensorsTypedArray;
  return new C(raw.buffer as ArrayBuffer, 0, raw.length / probe.BYTES_PER_ELEMENT);
}

describe('readSafetensors: views and copies', () => {
  const t = pythonTensors();
  const file = writeSafetensors(t, { format: 'knobs-test' });

  it('returns views into the input when aligned (default) and writes go through', () => {
    const input = file.slice();
    const r = readSafetensors(input);
    expect(r.tensors.weight.data.buffer).toBe(input.buffer);
    (r.tensors.counts.data as Int32Array)[0] = 99;
    expect(readSafetensors(input).tensors.counts.data[0]).toBe(99);
  });

  it('copies misaligned tensors and keeps byte-sized ones as views', () => {
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const input = big.subarray(3);
    const r = readSafetensors(input);
    expectSameTensors(r.tensors, t);
    expect(r.tensors.weight.data.buffer).not.toBe(big.buffer);
    expect(r.tensors.step.data.buffer).not.toBe(big.buffer);
    expect(r.tensors.mask.data.buffer).toBe(big.buffer);
    for (const x of Object.values(r.tensors)) expect(x.data.byteOffset % x.data.BYTES_PER_ELEMENT).toBe(0);
  });

  it('copy: true never aliases the input', () => {
    const input = file.slice();
    const r = readSafetensors(input, { copy: true });
    for (const x of Object.values(r.tensors)) expect(x.data.buffer).not.toBe(input.buffer);
    input.fill(0, 8 + headerOf(input).len);
    expectSameTensors(r.tensors, t);
  });
});

describe('readSafetensors: accepted edge cases (as the reference accepts them)', () => {
  const u8 = { dtype: 'U8', shape: [1], data_offsets: [0, 1] };

  it('an empty file body, unpadded or whitespace-padded headers', () => {
    expect(readSafetensors(raw({}))).toEqual({ tensors: {}, metadata: undefined });
    expect(readSafetensors(raw(' {}   ')).tensors).toEqual({});
  });

  it('"__metadata__": null means no metadata; unknown fields in an entry are ignored', () => {
    const r = readSafetensors(raw({ __metadata__: null, a: { ...u8, extra: [1.5, { x: null }] } }, [9]));
    expect(r.metadata).toBeUndefined();
    expect(Array.from(r.tensors.a.data as Uint8Array)).toEqual([9]);
  });

  it('zero-size tensors may share an offset; scalars have shape []', () => {
    const r = readSafetensors(
      raw({ z1: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, s: { dtype: 'F32', shape: [], data_offsets: [0, 4] }, z2: { dtype: 'I64', shape: [5, 0], data_offsets: [0, 0] } }, [0, 0, 0x80, 0x3f]),
    );
    expect(r.tensors.z1.data.length).toBe(0);
    expect(r.tensors.z2.shape).toEqual([5, 0]);
    expect(Array.from(r.tensors.s.data as Float32Array)).toEqual([1]);
  });

  it('tolerates deep nesting inside an ignored field without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = readSafetensors(raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":${deep}}}`, [5]));
    expect(r.tensors.a.data[0]).toBe(5);
  });
});

describe('readSafetensors: hostile files fail with clear KnobsErrors', () => {
  const u8 = (begin: number, end: number, shape = [end - begin]) => ({ dtype: 'U8', shape, data_offsets: [begin, end] });

  it('file shorter than 8 bytes', () => {
    for (let n = 0; n < 8; n++) {
      expectKnobsError(() => readSafetensors(new Uint8Array(n)), `safetensors: file is truncated: ${n} bytes is too short for the 8-byte header length`);
    }
  });

  it('header length past the end of the file', () => {
    const f = raw({ a: u8(0, 2) }, [1, 2]);
    const n = headerOf(f).len;
    expectKnobsError(() => readSafetensors(f.subarray(0, 8 + n - 1)), `safetensors: file is truncated: header length ${n} runs past the end of the file (${8 + n - 1} bytes)`);
    expectKnobsError(() => readSafetensors(raw('{}', [], 1000n)), /header length 1000 runs past the end of the file \(10 bytes\)/);
  });

  it('header length above the cap (default 100_000_000, configurable)', () => {
    expectKnobsError(() => readSafetensors(raw('{}', [], 2n ** 64n - 1n)), 'safetensors: header length 18446744073709551615 is above the cap of 100000000 bytes (raise maxHeaderBytes if the file is trusted)');
    expectKnobsError(() => readSafetensors(raw('{}', [], 100_000_001n)), /header length 100000001 is above the cap of 100000000 bytes/);
    const f = raw({ a: u8(0, 1) }, [1]);
    const n = headerOf(f).len;
    expectKnobsError(() => readSafetensors(f, { maxHeaderBytes: n - 1 }), new RegExp(`header length ${n} is above the cap of ${n - 1} bytes`));
    expect(readSafetensors(f, { maxHeaderBytes: n }).tensors.a.data[0]).toBe(1);
    expectKnobsError(() => readSafetensors(f, { maxHeaderBytes: -1 }), /maxHeaderBytes must be a non-negative integer, got -1/);
  });

  it('header that is not UTF-8, not JSON, or not an object', () => {
    const bad = raw('{}  ');
    bad[9] = 0xff;
    expectKnobsError(() => readSafetensors(bad), 'safetensors: header is not valid UTF-8');
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{}')]);
    expectKnobsError(() => readSafetensors(raw(bom)), /^safetensors: header is not valid JSON: /);
    expectKnobsError(() => readSafetensors(raw('{"a":')), /^safetensors: header is not valid JSON: /);
    expectKnobsError(() => readSafetensors(raw('{} x')), /not valid JSON/);
    expectKnobsError(() => readSafetensors(raw('[]')), 'safetensors: header must be a JSON object, got an array');
    expectKnobsError(() => readSafetensors(raw('null')), 'safetensors: header must be a JSON object, got null');
    expectKnobsError(() => readSafetensors(raw('3')), 'safetensors: header must be a JSON object, got number');
  });

  it('unknown or malformed dtype; entry not an object', () => {
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 'u8', shape: [1], data_offsets: [0, 1] } }, [1])), /^safetensors: tensor "a" has unknown dtype "u8" \(known: BOOL, F4,/);
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 8, shape: [1], data_offsets: [0, 1] } }, [1])), /tensor "a" has unknown dtype 8/);
    expectKnobsError(() => readSafetensors(raw({ a: { shape: [1], data_offsets: [0, 1] } }, [1])), /tensor "a" has unknown dtype undefined/);
    expectKnobsError(() => readSafetensors(raw({ a: [1, 2] })), 'safetensors: tensor "a" must be an object {dtype, shape, data_offsets}');
  });

  it('shape with negative, fractional, non-numeric or oversized dims', () => {
    const shapes: [string, RegExp][] = [
      ['[-1]', /shape must hold non-negative integers, found "-1"/],
      ['[1.5]', /shape must hold non-negative integers, found "1.5"/],
      ['[1.0]', /shape must hold non-negative integers, found "1.0"/], // JSON.parse would make this 1
      ['[1e0]', /shape must hold non-negative integers, found "1e0"/],
      ['["1"]', /shape must be an array of non-negative integers, got \["1"\]/],
      ['[[1]]', /shape must be an array of non-negative integers/],
      ['1', /shape must be an array of non-negative integers, got 1/],
      ['null', /shape must be an array/],
      ['[9007199254740993]', /shape must be an array of non-negative integers/],
    ];
    for (const [shape, msg] of shapes) {
      expectKnobsError(() => readSafetensors(raw(`{"a":{"dtype":"U8","shape":${shape},"data_offsets":[0,1]}}`, [1])), msg);
    }
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] } })), 'safetensors: tensor "a" F64 shape [1099511627776,1099511627776]: element count overflows');
  });

  it('data_offsets not two non-negative integers, reversed, or past the buffer', () => {
    const offs: [string, RegExp | string][] = [
      ['[0]', 'safetensors: tensor "a" data_offsets must be two non-negative integers [begin, end], got [0]'],
      ['[0,1,2]', /data_offsets must be two non-negative integers \[begin, end\], got \[0,1,2\]/],
      ['[-1,1]', /data_offsets must hold non-negative integers, found "-1"/],
      ['[0,1.0]', /data_offsets must hold non-negative integers, found "1.0"/],
      ['[0,"1"]', /data_offsets must be two non-negative integers/],
      ['{"0":0,"1":1}', /data_offsets must be two non-negative integers/],
      ['[0,18446744073709551615]', /data_offsets must be two non-negative integers/],
    ];
    for (const [o, msg] of offs) {
      expectKnobsError(() => readSafetensors(raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":${o}}}`, [1])), msg);
    }
    expectKnobsError(() => readSafetensors(raw({ a: u8(2, 1, [0]) }, [1, 2])), 'safetensors: tensor "a" data_offsets [2,1] end before they begin');
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 3) }, [1, 2])), 'safetensors: file is truncated: tensor "a" data_offsets [0,3] run past the end of the 2-byte buffer');
    // A header that promises 4 PB in a tiny file fails on the offsets, before any allocation.
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 'F32', shape: [2 ** 50], data_offsets: [0, 2 ** 52] } })), /file is truncated: tensor "a" data_offsets \[0,4503599627370496\] run past the end of the 0-byte buffer/);
  });

  it('byte length must equal product(shape) * itemsize', () => {
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, new Array(12).fill(0))), 'safetensors: tensor "a" F32 shape [2,2] needs 16 bytes but data_offsets [0,12] span 12');
    expectKnobsError(() => readSafetensors(raw({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, [0, 0])), /F4 shape \[3\]: 3 elements of 4 bits do not fill a whole number of bytes/);
  });

  it('overlapping tensors, gaps and uncovered trailing bytes (the reference requires exact tiling)', () => {
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 2), b: u8(1, 3) }, [1, 2, 3])), 'safetensors: tensor "b" data_offsets [1,3] overlap tensor "a" [0,2]');
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 2), b: u8(0, 2) }, [1, 2])), /tensor "b" data_offsets \[0,2\] overlap tensor "a" \[0,2\]/);
    expectKnobsError(() => readSafetensors(raw({ a: u8(1, 2) }, [1, 2])), 'safetensors: gap in the buffer: bytes 0..1 before tensor "a" belong to no tensor');
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 1), b: u8(2, 3) }, [1, 2, 3])), /gap in the buffer: bytes 1\.\.2 before tensor "b"/);
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 1) }, [1, 2, 3])), 'safetensors: the buffer has 2 trailing bytes after the last tensor (tensors cover 1 of 3)');
    expectKnobsError(() => readSafetensors(raw({}, [1])), /the buffer has 1 trailing bytes after the last tensor \(tensors cover 0 of 1\)/);
    // A zero-size tensor inside another tensor's span is an overlap too.
    expectKnobsError(() => readSafetensors(raw({ a: u8(0, 4), z: u8(2, 2) }, [1, 2, 3, 4])), /tensor "z" data_offsets \[2,2\] overlap tensor "a"/);
  });

  it('duplicate keys are rejected (JSON.parse would silently keep the last)', () => {
    const t = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}';
    expectKnobsError(() => readSafetensors(raw(`{"a":${t},"a":${t}}`, [1])), 'safetensors: header has duplicate key "a" at the top level');
    expectKnobsError(() => readSafetensors(raw(`{"a":${t},"\\u0061":${t}}`, [1])), /duplicate key "a" at the top level/);
    expectKnobsError(() => readSafetensors(raw(`{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, [1])), 'safetensors: header has duplicate key "dtype" in "a"');
    expectKnobsError(() => readSafetensors(raw(`{"__metadata__":{"k":"1","k":"2"}}`)), /duplicate key "k" in "__metadata__"/);
    expectKnobsError(() => readSafetensors(raw(`{"__metadata__":{},"__metadata__":{}}`)), /duplicate key "__metadata__" at the top level/);
    // Keys that only look alike are fine; string contents with quotes and braces do not confuse the scan.
    const r = readSafetensors(raw(`{"__metadata__":{"x":"\\"},{\\"a\\":[","y":"]"},"a\\"":${t},"a":{"dtype":"U8","shape":[0],"data_offsets":[1,1]}}`, [7]));
    expect(r.metadata).toEqual({ x: '"},{"a":[', y: ']' });
    expect(Object.keys(r.tensors).sort()).toEqual(['a', 'a"']);
  });

  it('metadata must be an object of strings', () => {
    expectKnobsError(() => readSafetensors(raw({ __metadata__: { k: 1 } })), 'safetensors: metadata value for "k" must be a string, got number');
    expectKnobsError(() => readSafetensors(raw({ __metadata__: { k: null } })), /metadata value for "k" must be a string, got null/);
    expectKnobsError(() => readSafetensors(raw({ __metadata__: { k: ['a'] } })), /got an array/);
    expectKnobsError(() => readSafetensors(raw({ __metadata__: ['a'] })), 'safetensors: "__metadata__" must be an object of strings');
    expectKnobsError(() => readSafetensors(raw({ __metadata__: 'x' })), /"__metadata__" must be an object of strings/);
    expectKnobsError(() => readSafetensors(raw('{"__metadata__":{"k":"\\ud800"}}')), /metadata entry "k" has a lone UTF-16 surrogate/);
  });

  it('very long names are shortened in messages', () => {
    const name = 'n'.repeat(10_000);
    let msg = '';
    try {
      readSafetensors(raw({ [name]: { dtype: 'X', shape: [], data_offsets: [0, 0] } }));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^safetensors: tensor "n+\.\.\. has unknown dtype "X"/);
    expect(msg.length).toBeLessThan(400);
  });

  it('rejects non-Uint8Array input and stays usable afterwards', () => {
    expectKnobsError(() => readSafetensors(new ArrayBuffer(16) as unknown as Uint8Array), /expected a Uint8Array, got object/);
    expect(readSafetensors(fixture('python_small.safetensors')).metadata).toEqual({ format: 'knobs-test' });
  });
});

describe('readSafetensors fuzz (seeded)', () => {
  function checkOutcome(input: Uint8Array, run: () => SafetensorsFile): 'ok' | 'error' {
    const r = resultOrKnobsError(run, /^safetensors: /);
    if (!r) return 'error';
    let total = 0;
    for (const t of Object.values(r.tensors)) {
      const numel = t.shape.reduce((a, b) => a * b, 1);
      const bits = subByteBits(t.dtype) || (t.dtype === 'C64' ? 64 : t.data.BYTES_PER_ELEMENT * 8);
      expect(t.data.byteLength).toBe((numel * bits) / 8);
      total += t.data.byteLength;
    }
    expect(total).toBeLessThanOrEqual(input.length);
    return 'ok';
  }

  const rng = new Rng(8675309);
  const bases = [fixture('python_small.safetensors'), writeSafetensors(pythonTensors(), { a: '1', b: '2' })];

  it('random truncations either parse or throw a KnobsError', () => {
    let whole = 0;
    let ok = 0;
    for (let t = 0; t < 300; t++) {
      const f = bases[rng.int(bases.length)];
      const len = rng.next() < 0.1 ? f.length : rng.int(f.length + 1);
      if (len === f.length) whole++;
      const cut = f.subarray(0, len);
      if (checkOutcome(cut, () => readSafetensors(cut)) === 'ok') ok++;
    }
    // Any strict prefix breaks the header or the tiling; only untruncated files parse.
    expect(whole).toBeGreaterThan(0);
    expect(ok).toBe(whole);
  });

  it('random byte corruptions either parse or throw a KnobsError', () => {
    const outcomes = { ok: 0, error: 0 };
    // Characters that keep JSON plausible, so corruption reaches the semantic checks.
    const jsonish = '0123456789[]{}",:-.e ';
    for (let t = 0; t < 1500; t++) {
      const f = bases[rng.int(bases.length)].slice();
      const hlen = headerOf(f).len;
      const hits = 1 + rng.int(3);
      for (let h = 0; h < hits; h++) {
        const r = rng.next();
        if (r < 0.1) f[rng.int(8)] = rng.int(256);
        else if (r < 0.7) f[8 + rng.int(hlen)] = jsonish.charCodeAt(rng.int(jsonish.length));
        else if (r < 0.8) f[8 + rng.int(hlen)] = rng.int(256);
        else f[8 + hlen + rng.int(f.length - 8 - hlen)] = rng.int(256);
      }
      outcomes[checkOutcome(f, () => readSafetensors(f, { copy: rng.next() < 0.5 }))]++;
    }
    // Data-section hits still parse; header hits mostly do not. Both paths must be exercised.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.error).toBeGreaterThan(500);
  });
});
