/** A tiny IDX data set on disk (the MNIST file format), for the worker tests that read files themselves. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../../ts/index.js';

/**
 * n images of side×side bytes whose label (0–3) is the quadrant that is bright, written as
 * img.idx / lbl.idx in a fresh temporary directory; returns that directory and the source `trainInWorker` reads.
 */
export function writeQuadrantIdx(n: number, side: number, seed: number): { dir: string; src: { images: URL; labels: URL; classes: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-idx-'));
  const rng = new Rng(seed);
  const img = new Uint8Array(16 + n * side * side), lbl = new Uint8Array(8 + n);
  const ih = new DataView(img.buffer), lh = new DataView(lbl.buffer);
  ih.setUint32(0, 0x803), ih.setUint32(4, n), ih.setUint32(8, side), ih.setUint32(12, side);
  lh.setUint32(0, 0x801), lh.setUint32(4, n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(4);
    lbl[8 + i] = c;
    for (let p = 0; p < side * side; p++) {
      const q = (Math.floor(p / side) >= side / 2 ? 2 : 0) + (p % side >= side / 2 ? 1 : 0);
      img[16 + i * side * side + p] = q === c ? 200 + rng.int(56) : rng.int(60);
    }
  }
  writeFileSync(join(dir, 'img.idx'), img);
  writeFileSync(join(dir, 'lbl.idx'), lbl);
  return { dir, src: { images: pathToFileURL(join(dir, 'img.idx')), labels: pathToFileURL(join(dir, 'lbl.idx')), classes: 4 } };
}
