/**
 * A canvas to draw a digit on, turned into an MNIST-like 28 × 28 input the way MNIST's digits were
 * made: the strokes' bounding box scaled into 20 × 20, then moved so the centre of mass sits at the
 * centre of the 28 × 28 field. Pixel arithmetic only (no model work); the prediction is the worker's.
 */

export interface DrawPad {
  clear(): void;
  /** The drawing as 784 values in [0, 1], or null while it is empty. */
  input(): Float32Array | null;
}

/** Makes `canvas` drawable with mouse, pen or finger; `onChange` runs after each stroke. */
export function drawPad(canvas: HTMLCanvasElement, onChange: () => void): DrawPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const reset = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  reset();
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * canvas.width, ((e.clientY - r.top) / r.height) * canvas.height];
  };
  const line = (to: [number, number]) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...(last ?? to));
    ctx.lineTo(...to);
    ctx.stroke();
    last = to;
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    line(at(e));
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last) line(at(e));
  });
  const end = () => {
    if (!last) return;
    last = null;
    onChange();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    clear() {
      reset();
      onChange();
    },
    input() {
      const { width: W, height: H } = canvas;
      const px = ctx.getImageData(0, 0, W, H).data;
      let x0 = W, y0 = H, x1 = -1, y1 = -1;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (px[(y * W + x) * 4] > 0) (x0 = Math.min(x0, x)), (x1 = Math.max(x1, x)), (y0 = Math.min(y0, y)), (y1 = Math.max(y1, y));
      if (x1 < 0) return null;
      // The box into 20 × 20 (keeping the aspect ratio), drawn by the browser's own resampling.
      const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
      const small = document.createElement('canvas');
      small.width = small.height = 28;
      const s = small.getContext('2d', { willReadFrequently: true })!;
      s.imageSmoothingEnabled = true;
      s.imageSmoothingQuality = 'high';
      const w = ((x1 - x0 + 1) / side) * 20, h = ((y1 - y0 + 1) / side) * 20;
      s.drawImage(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1, 4 + (20 - w) / 2, 4 + (20 - h) / 2, w, h);
      const g = s.getImageData(0, 0, 28, 28).data;
      const v = new Float32Array(784);
      let m = 0, cx = 0, cy = 0;
      for (let p = 0; p < 784; p++) {
        v[p] = g[p * 4] / 255;
        m += v[p];
        cx += v[p] * (p % 28);
        cy += v[p] * Math.floor(p / 28);
      }
      // Centre of mass to (13.5, 13.5), by whole pixels.
      const dx = Math.round(13.5 - cx / m), dy = Math.round(13.5 - cy / m);
      const out = new Float32Array(784);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sx = x - dx, sy = y - dy;
          if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = v[sy * 28 + sx];
        }
      }
      return out;
    },
  };
}
