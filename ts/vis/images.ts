/**
 * Image grids on a canvas: first-layer weights (one tile per unit or kernel), feature maps, input
 * digits. Pure drawing from a Float32Array: no model work, so it belongs on a page's main thread.
 * Tiles are drawn at one canvas pixel per value; scale the canvas with CSS (`image-rendering:
 * pixelated`) to make them bigger without blurring.
 */
import { KnobsError } from '../errors.js';

export interface ImageGridOptions {
  /** Tile size; default: the last two axes of `shape`. */
  height?: number;
  width?: number;
  /** Number of tiles; default: the product of the other axes. */
  count?: number;
  /**
   * Where value (tile i, pixel p) sits: data[i * imageStride + p * pixelStride]. Defaults are a
   * contiguous [count, height, width] block (imageStride = height·width, pixelStride = 1). A
   * Linear weight [in, out] read one image per output unit is imageStride 1, pixelStride out.
   */
  imageStride?: number;
  pixelStride?: number;
  /** Tiles per row (default: about square, at most 16). */
  columns?: number;
  /** Pixels between tiles. Default 2 (1 when tiles are under 8 px). */
  gap?: number;
  /**
   * 'diverging' (default for weights): red positive, blue negative, white 0, each tile scaled by its
   * largest |value|. 'gray': black low to white high, scaled per tile from min to max, or over
   * [0, 1] with range 'fixed'.
   */
  colormap?: 'diverging' | 'gray';
  range?: 'tile' | 'fixed';
}

/** Draws the tiles and sizes the canvas to hold them; returns the grid's layout. */
export function drawImageGrid(canvas: HTMLCanvasElement, src: { data: Float32Array | Uint8Array; shape: readonly number[] }, opts: ImageGridOptions = {}): { columns: number; rows: number } {
  const op = 'drawImageGrid';
  const shape = src.shape;
  const height = opts.height ?? shape.at(-2);
  const width = opts.width ?? shape.at(-1);
  if (!height || !width) throw new KnobsError(`${op}: give height and width, or a shape of at least two axes (got [${shape.join(', ')}])`);
  const count = opts.count ?? shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const imageStride = opts.imageStride ?? height * width;
  const pixelStride = opts.pixelStride ?? 1;
  const last = count === 0 ? -1 : (count - 1) * imageStride + (height * width - 1) * pixelStride;
  if (last >= src.data.length) throw new KnobsError(`${op}: ${count} tiles of ${height}×${width} (strides ${imageStride}, ${pixelStride}) need ${last + 1} values, got ${src.data.length}`);
  const columns = Math.max(1, opts.columns ?? Math.min(16, Math.ceil(Math.sqrt(count))));
  const rows = Math.max(1, Math.ceil(count / columns));
  const gap = opts.gap ?? (width < 8 ? 1 : 2);
  const W = columns * (width + gap) - gap, H = rows * (height + gap) - gap;
  if (canvas.width !== W || canvas.height !== H) (canvas.width = W), (canvas.height = H);
  const ctx = canvas.getContext('2d');
  if (!ctx) return { columns, rows };
  const img = ctx.createImageData(W, H);
  img.data.fill(255);
  const diverging = (opts.colormap ?? 'diverging') === 'diverging';
  const fixed = opts.range === 'fixed';
  const d = src.data;
  for (let i = 0; i < count; i++) {
    const base = i * imageStride;
    let lo = Infinity, hi = -Infinity;
    for (let p = 0; p < height * width; p++) {
      const v = d[base + p * pixelStride];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const maxAbs = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
    if (fixed) (lo = 0), (hi = 1);
    const span = hi - lo || 1;
    const ox = (i % columns) * (width + gap), oy = Math.floor(i / columns) * (height + gap);
    for (let p = 0; p < height * width; p++) {
      const v = d[base + p * pixelStride];
      const o = ((oy + Math.floor(p / width)) * W + ox + (p % width)) * 4;
      if (diverging) {
        const t = Math.max(-1, Math.min(1, v / maxAbs));
        const a = Math.round(255 * (1 - Math.abs(t)));
        img.data[o] = t > 0 ? 255 : a;
        img.data[o + 1] = a;
        img.data[o + 2] = t < 0 ? 255 : a;
      } else {
        const g = Math.round(255 * Math.max(0, Math.min(1, (v - lo) / span)));
        img.data[o] = img.data[o + 1] = img.data[o + 2] = g;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  return { columns, rows };
}
