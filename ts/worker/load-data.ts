/**
 * Turns a TrainData (arrays, or IDX files by URL) into a TensorDataset inside the worker. Fetching
 * and converting here keeps a 188 MB Float32 copy of MNIST off the page's main thread.
 */
import { TensorDataset } from '../data/dataset.js';
import { idxImagesToFloat32, oneHot, parseIdxMaybeGzip } from '../data/idx.js';
import { KnobsError, fmtShape } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';
import type { IdxSource, TrainData } from './protocol.js';

export function isIdxSource(d: unknown): d is IdxSource {
  return typeof d === 'object' && d !== null && 'images' in d && 'labels' in d;
}

async function readBytes(what: string, src: string | URL): Promise<Uint8Array> {
  // Relative URLs resolve against the worker script's location, as fetch() in a worker does.
  const url = new URL(String(src), (globalThis as { location?: { href: string } }).location?.href ?? import.meta.url);
  if (isNode && url.protocol === 'file:') {
    const fs = await importHidden<typeof import('node:fs/promises')>('node:fs/promises');
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (e) {
      throw new KnobsError(`trainInWorker: cannot read ${what} ${url.href}: ${(e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new KnobsError(`trainInWorker: cannot fetch ${what} ${url.href}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new KnobsError(`trainInWorker: cannot fetch ${what} ${url.href} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadIdx(src: IdxSource, role: string): Promise<TensorDataset> {
  const classes = src.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 2) throw new KnobsError(`trainInWorker: ${role}.classes must be an integer ≥ 2, got ${src.classes}`);
  const [imgBytes, lblBytes] = await Promise.all([readBytes(`${role} images`, src.images), readBytes(`${role} labels`, src.labels)]);
  const images = await parseIdxMaybeGzip(imgBytes);
  const labels = await parseIdxMaybeGzip(lblBytes);
  if (labels.shape.length !== 1) throw new KnobsError(`trainInWorker: ${role} labels must be a 1-D IDX file, got shape ${fmtShape(labels.shape)}`);
  if (images.shape[0] !== labels.shape[0]) {
    throw new KnobsError(`trainInWorker: ${role} has ${images.shape[0]} images but ${labels.shape[0]} labels`);
  }
  let n = images.shape[0];
  if (src.limit !== undefined) {
    if (!Number.isInteger(src.limit) || src.limit < 0) throw new KnobsError(`trainInWorker: ${role}.limit must be a non-negative integer, got ${src.limit}`);
    n = Math.min(n, src.limit);
  }
  // Cut before converting: a 1000-sample run should not pay for scaling 60 000 images.
  const row = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = idxImagesToFloat32({ ...images, shape: [n, ...images.shape.slice(1)], data: images.data.subarray(0, n * row) });
  const y = oneHot(labels.data.subarray(0, n), classes);
  let shape: number[] = x.shape;
  if (src.sampleShape !== undefined) {
    const ok = Array.isArray(src.sampleShape) && src.sampleShape.every((d) => Number.isInteger(d) && d > 0) && src.sampleShape.reduce((a, b) => a * b, 1) === row;
    if (!ok) throw new KnobsError(`trainInWorker: ${role}.sampleShape ${JSON.stringify(src.sampleShape)} does not hold the ${row} values of one image (${fmtShape(images.shape.slice(1))})`);
    shape = [n, ...src.sampleShape];
  }
  return new TensorDataset({ data: x.data, shape }, { data: y, shape: [n, classes] });
}

export async function toDataset(d: TrainData, role: string): Promise<TensorDataset> {
  if (isIdxSource(d)) return loadIdx(d, role);
  if (typeof d !== 'object' || d === null || !('x' in d) || !('y' in d)) {
    throw new KnobsError(`trainInWorker: ${role} must be { x: { data, shape }, y: { data, shape } } or { images, labels } IDX URLs`);
  }
  return new TensorDataset(d.x, d.y);
}
