/**
 * What the book's MNIST chapters (8 and 9) share: the data (first 1000 training images, all 10k
 * test images, pixels / 255, one-hot labels), the book's weight initialisation, and its log line
 * "I:<epoch> Train-Err:… Train-Acc:… Test-Err:… Test-Acc:…" printed every 10 epochs and at the end.
 */
import { parseArgs } from 'node:util';
import { DataLoader, evaluate, init, nn, rand, relu, type Callback, type LossLike, type Tensor } from '../ts/index.js';
import { loadMnist } from '../ts/node.js';

export interface BookArgs {
  epochs: number;
  seed: number;
  every: number;
  /** Use the true relu derivative instead of the book's (see StraightThroughReLU). */
  exactGrad: boolean;
  /** Chapter 10 only (bookArgs(…, { bookGrad: true })): the book's kernel update, whose sign is wrong. */
  bookGrad: boolean;
  quiet: boolean;
}

/** Options from `argv` (default: the command line). */
export function bookArgs(defaultEpochs: number, argv?: string[], opts: { bookGrad?: boolean } = {}): BookArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: String(defaultEpochs) },
      seed: { type: 'string', default: '1' },
      every: { type: 'string', default: '10' },
      // Each chapter offers the one that is not its default: the book's quirk or the true derivative.
      ...(opts.bookGrad ? { 'book-grad': { type: 'boolean' as const, default: false } } : { 'exact-grad': { type: 'boolean' as const, default: false } }),
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    const grad = opts.bookGrad ? "--book-grad (the book's kernel update and tanh derivative)" : '--exact-grad (true derivative)';
    console.log(`options: --epochs N (default ${defaultEpochs})  --seed N (default 1)  --every N (log interval, default 10)  ${grad}  --quiet`);
    process.exit(0);
  }
  const num = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  return { epochs: num('epochs', values.epochs, 1), seed: num('seed', values.seed, 0), every: num('every', values.every, 1), exactGrad: !!(values as Record<string, unknown>)['exact-grad'], bookGrad: !!(values as Record<string, unknown>)['book-grad'], quiet: !!values.quiet };
}

export async function bookData() {
  await init();
  const { train, test } = await loadMnist({ train: { limit: 1000 } });
  return { train, test };
}

/** The book's init: 0.2·random − 0.1 is U(−0.1, 0.1); `scale` 0.1 → 0.01 for ch.9's first layer. */
export function bookInit(model: nn.Sequential, bounds: Record<string, number>, seed: number): void {
  const state: Record<string, ReturnType<typeof rand>> = {};
  let s = seed;
  for (const [name, p] of model.namedParameters()) {
    const b = bounds[name];
    if (b === undefined) throw new Error(`bookInit: no bound for ${name}`);
    state[name] = rand(p.shape, { low: -b, high: b, seed: s++ });
  }
  model.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
}

/** Logs like the book: every `every` epochs and the last, with the full test set evaluated then. */
export interface BookPoint {
  epoch: number;
  trainErr: number;
  trainAcc: number;
  testErr: number;
  testAcc: number;
}

export function bookLogger(opts: { test: DataLoader; loss: LossLike; every: number; epochs: number; quiet?: boolean }): Callback & { final: BookPoint; points: BookPoint[] } {
  const fmt = (v: number) => String(v).slice(0, 5);
  // Python prints an integral float as "1.0"; so do we, to keep lines comparable with the book.
  const acc = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));
  const t0 = performance.now();
  const final: BookPoint = { epoch: -1, trainErr: NaN, trainAcc: NaN, testAcc: NaN, testErr: NaN };
  const points: BookPoint[] = [];
  return {
    final,
    points,
    onEpochEnd(epoch, logs, ctx) {
      const last = epoch === opts.epochs - 1;
      if (epoch % opts.every !== 0 && !last) return;
      const t = evaluate(ctx.model, opts.test, { loss: opts.loss, metrics: ['accuracy'] });
      Object.assign(final, { epoch, trainErr: logs.loss, trainAcc: logs.accuracy, testErr: t.loss, testAcc: t.accuracy });
      points.push({ ...final });
      if (opts.quiet) return;
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(` I:${epoch} Train-Err:${fmt(logs.loss)} Train-Acc:${acc(logs.accuracy ?? NaN)} Test-Err:${fmt(t.loss)} Test-Acc:${acc(t.accuracy ?? NaN)}  (${secs}s)`);
    },
  };
}

/**
 * The book's relu as its code computes it: forward max(0, x), but backward multiplies by
 * relu2deriv(output) = (output >= 0), which is 1 for every relu output. So the gradient passes
 * through inactive units as if the layer were linear (a straight-through estimator), scaled by
 * `gradScale`. Built from public ops: y = k·x + detach(relu(x) − k·x) has the value relu(x) and the
 * derivative k.
 */
export class StraightThroughReLU extends nn.Module {
  constructor(readonly gradScale = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    const kx = this.gradScale === 1 ? x : x.mul(this.gradScale);
    return kx.add(relu(x).sub(kx).detach());
  }
}
