import { afterEach, describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import { idxImagesToFloat32, oneHot, parseIdx, parseIdxMaybeGzip, type ParsedIdx } from '../ts/data/idx.js';
import { KnobsError } from '../ts/errors.js';
import { Rng } from '../ts/random.js';
import { expectKnobsError, resultOrKnobsError } from './helpers/errors.js';

/** Builds an IDX file independently of the parser: magic, big-endian dims, then raw data bytes. */
function idxFile(code: number, shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** Big-endian bytes of `values` written with a DataView setter of the given width. */
function beBytes(values: number[], width: number, set: (dv: DataView, off: number, v: number) => void): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => set(dv, i * width, v));
  return out;
}

function mnistLike(n: number, rows: number, cols: number, rng: Rng): { file: Uint8Array; pixels: Uint8Array } {
  const pixels = new Uint8Array(n * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  return { file: idxFile(0x08, [n, rows, cols], pixels), pixels };
}

describe('parseIdx: valid files', () => {
  it('reads MNIST images (0x00000803) as a uint8 view with shape [n, rows, cols]', () => {
    const { file, pixels } = mnistLike(3, 5, 4, new Rng(1));
    expect(Array.from(file.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    const p = parseIdx(file);
    expect(p.dtype).toBe('uint8');
    expect(p.shape).toEqual([3, 5, 4]);
    expect(p.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(p.data)).toEqual(Array.from(pixels));
    // No copy: the data is a window on the input buffer.
    expect(p.data.buffer).toBe(file.buffer);
    expect(p.data.byteOffset).toBe(16);
    file[16] ^= 0xff;
    expect(p.data[0]).toBe(pixels[0] ^ 0xff);
  });

  it('reads MNIST labels (0x00000801)', () => {
    const labels = new Uint8Array([5, 0, 4, 1, 9, 2]);
    const p = parseIdx(idxFile(0x08, [6], labels));
    expect(p).toMatchObject({ dtype: 'uint8', shape: [6] });
    expect(Array.from(p.data)).toEqual([5, 0, 4, 1, 9, 2]);
  });

  it('respects the byteOffset of a subarray input', () => {
    const labels = new Uint8Array([7, 3, 1]);
    const file = idxFile(0x08, [3], labels);
    const big = new Uint8Array(file.length + 13);
    big.set(file, 5);
    const p = parseIdx(big.subarray(5, 5 + file.length));
    expect(Array.from(p.data)).toEqual([7, 3, 1]);
    expect(p.data.byteOffset).toBe(5 + 8);
  });

  it('reads int8 as a signed view', () => {
    const vals = [-128, -1, 0, 1, 127, -7];
    const bytes = new Uint8Array(new Int8Array(vals).buffer);
    const file = idxFile(0x09, [2, 3], bytes);
    const p = parseIdx(file);
    expect(p.dtype).toBe('int8');
    expect(p.data).toBeInstanceOf(Int8Array);
    expect(p.data.buffer).toBe(file.buffer);
    expect(Array.from(p.data)).toEqual(vals);
  });

  it('byte-swaps big-endian int16 and int32', () => {
    const i16 = [-32768, -2, 0, 258, 32767];
    const p16 = parseIdx(idxFile(0x0b, [5], beBytes(i16, 2, (dv, o, v) => dv.setInt16(o, v, false))));
    expect(p16.dtype).toBe('int16');
    expect(p16.data).toBeInstanceOf(Int16Array);
    expect(Array.from(p16.data)).toEqual(i16);

    const i32 = [-2147483648, -1, 0, 16909060, 2147483647, 70000];
    const p32 = parseIdx(idxFile(0x0c, [3, 2], beBytes(i32, 4, (dv, o, v) => dv.setInt32(o, v, false))));
    expect(p32).toMatchObject({ dtype: 'int32', shape: [3, 2] });
    expect(p32.data).toBeInstanceOf(Int32Array);
    expect(Array.from(p32.data)).toEqual(i32);
  });

  it('reads float32 bit for bit, including -0, infinities, denormals and NaN payloads', () => {
    const bits = [0x3fc00000, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x7fa00001, 0xffc12345, 0xc0500000];
    const file = idxFile(0x0d, [2, 2, 2], beBytes(bits, 4, (dv, o, v) => dv.setUint32(o, v, false)));
    const p = parseIdx(file);
    expect(p).toMatchObject({ dtype: 'float32', shape: [2, 2, 2] });
    expect(p.data).toBeInstanceOf(Float32Array);
    expect(Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length))).toEqual(bits);
    expect(p.data[0]).toBe(1.5);
    expect(Object.is(p.data[1], -0)).toBe(true);
  });

  it('reads float64 bit for bit', () => {
    const bits = [0x3fb999999999999an, 0x8000000000000000n, 0x7ff8dead00000001n, 0x0000000000000001n];
    const data = new Uint8Array(32);
    const dv = new DataView(data.buffer);
    bits.forEach((b, i) => dv.setBigUint64(i * 8, b, false));
    const p = parseIdx(idxFile(0x0e, [4], data));
    expect(p.dtype).toBe('float64');
    expect(p.data).toBeInstanceOf(Float64Array);
    expect(Array.from(new BigUint64Array(p.data.buffer, p.data.byteOffset, 4))).toEqual(bits);
    expect(p.data[0]).toBe(0.1);
  });

  it('returns an aligned copy for wide types even when the input sits at an odd offset', () => {
    const vals = [1.25, -2.5, 3.75];
    const file = idxFile(0x0d, [3], beBytes(vals, 4, (dv, o, v) => dv.setFloat32(o, v, false)));
    const big = new Uint8Array(file.length + 1);
    big.set(file, 1);
    const p = parseIdx(big.subarray(1));
    expect(Array.from(p.data)).toEqual(vals);
    expect(p.data.buffer).not.toBe(big.buffer);
  });

  it('accepts any rank from 1 to 8 and empty dimensions', () => {
    for (let rank = 1; rank <= 8; rank++) {
      const shape = Array.from({ length: rank }, (_, i) => (i % 3) + 1);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
      const p = parseIdx(idxFile(0x08, shape, data));
      expect(p.shape).toEqual(shape);
      expect(Array.from(p.data)).toEqual(Array.from(data));
    }
    const empty = parseIdx(idxFile(0x0d, [0, 28, 28], new Uint8Array(0)));
    expect(empty.shape).toEqual([0, 28, 28]);
    expect(empty.data.length).toBe(0);
    // A zero dimension makes the array empty however large the others are.
    const wide = parseIdx(idxFile(0x0e, [0xffffffff, 0xffffffff, 0], new Uint8Array(0)));
    expect(wide.data.length).toBe(0);
  });
});

describe('parseIdx: invalid files fail clearly before allocating', () => {
  it('rejects input too short for the magic', () => {
    for (let n = 0; n < 4; n++) {
      expectKnobsError(() => parseIdx(new Uint8Array(n)), `idx: file is truncated: ${n} bytes is too short for the 4-byte magic number`);
    }
  });

  it('rejects a wrong magic number', () => {
    const file = idxFile(0x08, [2], new Uint8Array(2));
    file[0] = 0x01;
    expectKnobsError(() => parseIdx(file), /^idx: wrong magic number 0x01000801/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    expectKnobsError(() => parseIdx(png), /wrong magic number 0x89504e47/);
  });

  it('rejects unknown dtype codes', () => {
    for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
      expectKnobsError(() => parseIdx(idxFile(code, [1], new Uint8Array(1))), new RegExp(`unknown dtype code 0x${code.toString(16).padStart(2, '0')}`));
    }
  });

  it('rejects rank 0 and rank above 8', () => {
    expectKnobsError(() => parseIdx(new Uint8Array([0, 0, 8, 0, 1, 2, 3])), /rank 0 .*must be 1\.\.8/);
    expectKnobsError(() => parseIdx(idxFile(0x08, Array(9).fill(1), new Uint8Array(1))), /rank 9 .*must be 1\.\.8/);
    expectKnobsError(() => parseIdx(new Uint8Array([0, 0, 8, 255])), /rank 255/);
  });

  it('rejects a truncated header', () => {
    const file = idxFile(0x08, [2, 3, 4], new Uint8Array(24));
    expectKnobsError(() => parseIdx(file.subarray(0, 10)), 'idx: file is truncated: header of a rank-3 array needs 16 bytes, found 10');
  });

  it('rejects truncated data with the byte counts', () => {
    const file = idxFile(0x0c, [3], new Uint8Array(12));
    expectKnobsError(() => parseIdx(file.subarray(0, file.length - 1)), 'idx: file is truncated: header says 12 bytes of data, found 11');
    expectKnobsError(() => parseIdx(file.subarray(0, 8)), 'idx: file is truncated: header says 12 bytes of data, found 0');
  });

  it('rejects trailing bytes after the data', () => {
    const file = idxFile(0x08, [2], new Uint8Array(5));
    expectKnobsError(() => parseIdx(file), 'idx: file has 3 trailing bytes: header says 2 bytes of data, found 5');
  });

  it('rejects a dimension product beyond 2^53 bytes', () => {
    expectKnobsError(() => parseIdx(idxFile(0x0e, [0xffffffff, 0xffffffff], new Uint8Array(0))), /^idx: dimension product overflows: shape \[4294967295,4294967295\] of float64/);
    expectKnobsError(() => parseIdx(idxFile(0x08, [0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(3))), /overflows/);
  });

  it('checks huge-but-representable sizes against the file before allocating', () => {
    // 2^32 * 2^20 float64 = 32 PiB: allocating first would throw a RangeError instead.
    const file = idxFile(0x0e, [65536, 65536, 1024], new Uint8Array(16));
    expectKnobsError(() => parseIdx(file), `idx: file is truncated: header says ${65536 * 65536 * 1024 * 8} bytes of data, found 16`);
  });

  it('says to gunzip gzipped input', () => {
    const gz = gzipSync(idxFile(0x08, [2], new Uint8Array([1, 2])));
    expectKnobsError(() => parseIdx(gz), /gzip-compressed.*gunzip it first or use parseIdxMaybeGzip/);
  });

  it('rejects non-Uint8Array input', () => {
    expectKnobsError(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array), /expected a Uint8Array, got \[object Array\]/);
  });

  it('stays usable after errors', () => {
    expect(() => parseIdx(new Uint8Array(2))).toThrow();
    expect(parseIdx(idxFile(0x08, [1], new Uint8Array([9]))).data[0]).toBe(9);
  });
});

describe('parseIdxMaybeGzip', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('gunzips with DecompressionStream and matches the uncompressed parse', async () => {
    const { file, pixels } = mnistLike(50, 28, 28, new Rng(2)); // ~39 KB: several output chunks
    const p = await parseIdxMaybeGzip(gzipSync(file));
    expect(p.shape).toEqual([50, 28, 28]);
    expect(p.dtype).toBe('uint8');
    expect(Array.from(p.data)).toEqual(Array.from(pixels));
  });

  it('decodes wide dtypes from gzip', async () => {
    const vals = [-1.5, 2.25, 1e30, -0];
    const file = idxFile(0x0d, [2, 2], beBytes(vals, 4, (dv, o, v) => dv.setFloat32(o, v, false)));
    const p = await parseIdxMaybeGzip(gzipSync(file));
    expect(Array.from(p.data)).toEqual(Array.from(Float32Array.from(vals)));
  });

  it('passes uncompressed input straight to parseIdx', async () => {
    const p = await parseIdxMaybeGzip(idxFile(0x08, [3], new Uint8Array([4, 5, 6])));
    expect(Array.from(p.data)).toEqual([4, 5, 6]);
  });

  it('handles decompressed chunks of a few bytes (header split across chunks)', async () => {
    const Real = globalThis.DecompressionStream;
    class TinyChunks {
      readable: ReadableStream<Uint8Array>;
      writable: WritableStream<BufferSource>;
      constructor(format: CompressionFormat) {
        const real = new Real(format);
        const split = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            for (let i = 0; i < chunk.length; i += 3) controller.enqueue(chunk.slice(i, i + 3));
          },
        });
        this.writable = real.writable;
        this.readable = real.readable.pipeThrough(split);
      }
    }
    vi.stubGlobal('DecompressionStream', TinyChunks);
    const vals = [1, -2, 3, -4, 5, -6, 7, -8, 9, -10];
    const file = idxFile(0x0c, [1, 2, 5], beBytes(vals, 4, (dv, o, v) => dv.setInt32(o, v, false)));
    const p = await parseIdxMaybeGzip(gzipSync(file));
    expect(p.shape).toEqual([1, 2, 5]);
    expect(Array.from(p.data)).toEqual(vals);
    await expect(parseIdxMaybeGzip(gzipSync(file.subarray(0, 10)))).rejects.toThrow(
      'idx: file is truncated: header of a rank-3 array needs 16 bytes, found 10',
    );
  });

  it('reports truncated decompressed data with parseIdx messages', async () => {
    const file = idxFile(0x08, [10], new Uint8Array(10));
    await expect(parseIdxMaybeGzip(gzipSync(file.subarray(0, 15)))).rejects.toThrow(
      'idx: file is truncated: header says 10 bytes of data, found 7',
    );
  });

  it('stops a gzip bomb: output beyond the declared size is rejected without buffering it', async () => {
    const header = idxFile(0x08, [4], new Uint8Array(4));
    const bomb = new Uint8Array(32 * 1024 * 1024); // 32 MB of zeros gzip to ~32 KB
    bomb.set(header);
    const gz = gzipSync(bomb);
    expect(gz.length).toBeLessThan(100_000);
    const err = await parseIdxMaybeGzip(gz).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnobsError);
    expect((err as Error).message).toBe('idx: file has trailing bytes: header says 4 bytes of data, found more');

    // Declared size spanning many output chunks: the overflow is caught mid-stream.
    bomb.set(idxFile(0x08, [1 << 20], new Uint8Array(0)));
    const err2 = await parseIdxMaybeGzip(gzipSync(bomb)).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(KnobsError);
    expect((err2 as Error).message).toBe(`idx: file has trailing bytes: header says ${1 << 20} bytes of data, found more`);
  });

  it('refuses a declared size above maxBytes before allocating', async () => {
    const gz = gzipSync(idxFile(0x08, [60000, 28, 28], new Uint8Array(0)));
    await expect(parseIdxMaybeGzip(gz, { maxBytes: 1_000_000 })).rejects.toThrow(
      /^idx: decompressed file would be 47040016 bytes \(shape \[60000,28,28\] uint8\), above maxBytes 1000000$/,
    );
    await expect(parseIdxMaybeGzip(gz, { maxBytes: 0 })).rejects.toThrow(/maxBytes must be a positive integer/);
  });

  it('wraps corrupt gzip streams in a KnobsError', async () => {
    const gz = gzipSync(idxFile(0x08, [100], new Uint8Array(100).fill(3)));
    const bad = gz.slice();
    for (let i = 10; i < bad.length - 8; i++) bad[i] ^= 0x5a;
    const err = await parseIdxMaybeGzip(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnobsError);
    expect((err as Error).message).toMatch(/^idx: /);
  });

  it('says to gunzip first when DecompressionStream is missing', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    const gz = gzipSync(idxFile(0x08, [1], new Uint8Array(1)));
    await expect(parseIdxMaybeGzip(gz)).rejects.toThrow(
      'idx: input is gzip-compressed but this environment has no DecompressionStream; gunzip the file first',
    );
    // Uncompressed input still works without it.
    expect((await parseIdxMaybeGzip(idxFile(0x08, [1], new Uint8Array([6])))).data[0]).toBe(6);
  });
});

describe('idxImagesToFloat32', () => {
  it('scales uint8 pixels to [0, 1] and flattens to [n, rows*cols]', () => {
    const { file, pixels } = mnistLike(4, 3, 5, new Rng(3));
    pixels[0] = 0;
    pixels[1] = 255;
    file[16] = 0;
    file[17] = 255;
    const { data, shape } = idxImagesToFloat32(parseIdx(file), { scale: true });
    expect(shape).toEqual([4, 15]);
    expect(data).toBeInstanceOf(Float32Array);
    expect(data.length).toBe(60);
    expect(data[0]).toBe(0);
    expect(data[1]).toBe(1);
    for (let i = 0; i < data.length; i++) {
      expect(data[i]).toBe(Math.fround(pixels[i] / 255));
      expect(data[i]).toBeGreaterThanOrEqual(0);
      expect(data[i]).toBeLessThanOrEqual(1);
    }
  });

  it('scales by default and converts unscaled on request', () => {
    const p = parseIdx(idxFile(0x08, [1, 1, 2], new Uint8Array([51, 204])));
    expect(Array.from(idxImagesToFloat32(p).data)).toEqual([Math.fround(0.2), Math.fround(0.8)]);
    expect(Array.from(idxImagesToFloat32(p, { scale: false }).data)).toEqual([51, 204]);
  });

  it('converts other dtypes without scaling', () => {
    const p = parseIdx(idxFile(0x0b, [2, 1], beBytes([-3, 300], 2, (dv, o, v) => dv.setInt16(o, v, false))));
    expect(Array.from(idxImagesToFloat32(p, { scale: false }).data)).toEqual([-3, 300]);
    expectKnobsError(() => idxImagesToFloat32(p), /scale=true maps uint8 0\.\.255 to \[0,1\], but the data is int16/);
  });

  it('rejects labels (rank 1) and inconsistent input', () => {
    const labels = parseIdx(idxFile(0x08, [3], new Uint8Array(3)));
    expectKnobsError(() => idxImagesToFloat32(labels), /expected images of rank >= 2 .* got shape \[3\]/);
    const broken: ParsedIdx = { dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) };
    expectKnobsError(() => idxImagesToFloat32(broken), /data has 3 elements but shape \[2,2\] needs 4/);
  });
});

describe('oneHot', () => {
  it('puts a single 1 per row at the label', () => {
    const labels = [3, 0, 9, 3];
    const out = oneHot(labels, 10);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(40);
    for (let r = 0; r < labels.length; r++) {
      for (let c = 0; c < 10; c++) expect(out[r * 10 + c]).toBe(c === labels[r] ? 1 : 0);
    }
  });

  it('accepts parsed uint8 labels directly', () => {
    const p = parseIdx(idxFile(0x08, [3], new Uint8Array([1, 0, 1])));
    expect(Array.from(oneHot(p.data, 2))).toEqual([0, 1, 1, 0, 0, 1]);
    expect(oneHot([], 5).length).toBe(0);
  });

  it('rejects out-of-range or non-integer labels and bad class counts', () => {
    expectKnobsError(() => oneHot([1, 10], 10), 'oneHot: label at index 1 is 10, expected an integer in [0, 10)');
    expectKnobsError(() => oneHot([-1], 10), /index 0 is -1/);
    expectKnobsError(() => oneHot([0.5], 10), /index 0 is 0.5/);
    expectKnobsError(() => oneHot([NaN], 10), /index 0 is NaN/);
    expectKnobsError(() => oneHot([0], 0), 'oneHot: numClasses must be a positive integer, got 0');
    expectKnobsError(() => oneHot([0], 2.5), /got 2.5/);
  });
});

describe('parseIdx fuzz (seeded)', () => {
  function checkOutcome(input: Uint8Array, run: () => ParsedIdx): void {
    const p = resultOrKnobsError(run, /^idx: /);
    if (!p) return;
    expect(p.shape.length).toBeGreaterThanOrEqual(1);
    expect(p.shape.length).toBeLessThanOrEqual(8);
    expect(p.data.length).toBe(p.shape.reduce((a, b) => a * b, 1));
    expect(p.data.byteLength).toBeLessThanOrEqual(input.length);
  }

  const rng = new Rng(20240611);
  const base = [
    mnistLike(3, 4, 4, rng).file,
    idxFile(0x08, [17], Uint8Array.from({ length: 17 }, (_, i) => i % 10)),
    idxFile(0x0d, [2, 3], beBytes([1, 2, 3, 4, 5, 6], 4, (dv, o, v) => dv.setFloat32(o, v, false))),
    idxFile(0x0e, [1, 1, 2, 1], new Uint8Array(16).fill(0x40)),
  ];

  it('random truncations either parse or throw a KnobsError', () => {
    for (let t = 0; t < 400; t++) {
      const f = base[rng.int(base.length)];
      const cut = f.subarray(0, rng.int(f.length + 1));
      checkOutcome(cut, () => parseIdx(cut));
    }
  });

  it('random byte corruptions either parse or throw a KnobsError', () => {
    let parsed = 0;
    for (let t = 0; t < 1000; t++) {
      const f = base[rng.int(base.length)].slice();
      const hits = 1 + rng.int(4);
      for (let h = 0; h < hits; h++) {
        // Bias toward the header, where corruption changes the meaning of everything after it.
        const pos = rng.next() < 0.7 ? rng.int(Math.min(16, f.length)) : rng.int(f.length);
        f[pos] = rng.int(256);
      }
      try {
        parseIdx(f);
        parsed++;
      } catch {
        /* checked below */
      }
      checkOutcome(f, () => parseIdx(f));
    }
    // Both outcomes must actually occur, or the corruption is not exercising the parser.
    expect(parsed).toBeGreaterThan(50);
    expect(parsed).toBeLessThan(1000);
  });

  it('random corruptions of gzip input resolve or reject with a KnobsError', async () => {
    const gz = gzipSync(base[0]);
    for (let t = 0; t < 150; t++) {
      const f = rng.next() < 0.5 ? gz.slice(0, rng.int(gz.length + 1)) : gz.slice();
      if (f.length > 2 && rng.next() < 0.8) f[2 + rng.int(f.length - 2)] = rng.int(256);
      try {
        const p = await parseIdxMaybeGzip(f, { maxBytes: 1 << 20 });
        expect(p.data.length).toBe(p.shape.reduce((a, b) => a * b, 1));
      } catch (e) {
        expect(e).toBeInstanceOf(KnobsError);
      }
    }
  });
});
