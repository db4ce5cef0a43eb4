/**
 * Tiny networks (issue 16): where per-op overhead, not arithmetic, sets the speed. Iterations per
 * second of the book's XOR 2-3-1 (sigmoid, full batch of 4, MSE, SGD) and the ch.6 streetlight
 * net 3-4-1 (ReLU, MSE, SGD lr 0.2) at batch 1 and 4, for knobs eager (Sequential + MSELoss + SGD
 * inside tidy), knobs compiled (compileStep, one step() call per iteration), knobs compiled loop
 * (CompiledStep.steps: REPS steps in one call, like brain.js' train() looping inside), tfjs-wasm, tfjs-cpu (same initial weights, copied)
 * and brain.js (its own initial weights: it has no way to set them before train()).
 *
 * One iteration = one optimizer step on one batch. brain.js has only per-sample training: one of
 * its train() iterations over the 4 samples is 4 per-sample updates, counted as 4 iterations at
 * batch 1 and as 1 at batch 4 (the same data per update). Each timed call runs `REPS` iterations,
 * so the harness' per-call cost does not hide a microsecond step.
 */
import { compileStep, nn, optim, tensor, tidy, type CompiledStep, type Tensor } from '../ts/index.js';
import type { Case } from './harness.js';
import type { BrainModule, Tf } from './peers.js';

export const REPS = 200;
/**
 * Steps run in each case's setup before any timing: tinybench warms up by wall time, and on a
 * loaded machine a --quick pass's few milliseconds of warm-up are a fraction of a millisecond of
 * CPU, so the first cases ran before V8 had optimized them (eager rows read 10–50× low).
 */
export const WARM_STEPS = 3000;

export interface TinyNet {
  row: string;
  /** Layer widths, e.g. [2, 3, 1]. */
  sizes: [number, number, number];
  act: 'sigmoid' | 'relu';
  /** The activation on the output too (XOR: sigmoid; streetlight: none, as in the book). */
  outAct: boolean;
  lr: number;
  /** Rows of x and y, fed in batches of `batch` (cycled). */
  x: number[][];
  y: number[][];
  batch: number;
}

export const XOR: TinyNet = { row: 'tiny xor 2-3-1 sigmoid b4', sizes: [2, 3, 1], act: 'sigmoid', outAct: true, lr: 0.5, x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]], batch: 4 };
// Grokking Deep Learning ch.6: the streetlights and whether to walk, alpha 0.2.
const streetX = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]];
const streetY = [[1], [1], [0], [0]];
export const STREET1: TinyNet = { row: 'tiny streetlight 3-4-1 relu b1', sizes: [3, 4, 1], act: 'relu', outAct: false, lr: 0.2, x: streetX, y: streetY, batch: 1 };
export const STREET4: TinyNet = { ...STREET1, row: 'tiny streetlight 3-4-1 relu b4', batch: 4 };
export const TINY_NETS = [XOR, STREET1, STREET4];

export function knobsTiny(net: TinyNet): { model: nn.Sequential; opt: optim.SGD; loss: nn.MSELoss } {
  const [i, h, o] = net.sizes;
  const act = () => (net.act === 'relu' ? new nn.ReLU() : new nn.Sigmoid());
  const layers = [new nn.Linear(i, h, { seed: 11 }), act(), new nn.Linear(h, o, { seed: 12 }), ...(net.outAct ? [act()] : [])];
  const model = new nn.Sequential(...layers);
  return { model, opt: new optim.SGD(model.parameters(), { lr: net.lr }), loss: new nn.MSELoss() };
}

/** The batches of one cycle over the data, as [x rows, y rows]. */
function batchesOf(net: TinyNet): [number[][], number[][]][] {
  const out: [number[][], number[][]][] = [];
  for (let r = 0; r < net.x.length; r += net.batch) out.push([net.x.slice(r, r + net.batch), net.y.slice(r, r + net.batch)]);
  return out;
}

function knobsCases(net: TinyNet): Case[] {
  const mk = (compiled: boolean, loop = false): Case => {
    let st: { n: ReturnType<typeof knobsTiny>; xs: Tensor[]; ys: Tensor[]; cs: CompiledStep | null; all: [Tensor, Tensor]; next: number } | null = null;
    return {
      row: net.row,
      lib: loop ? 'knobs compiled loop' : compiled ? 'knobs compiled' : 'knobs',
      work: REPS,
      setup: () => {
        const n = knobsTiny(net);
        const b = batchesOf(net);
        st = { n, xs: b.map(([x]) => tensor(x)), ys: b.map(([, y]) => tensor(y)), cs: compiled ? compileStep(n.model, n.loss, n.opt) : null, all: [tensor(net.x), tensor(net.y)], next: 0 };
        run(WARM_STEPS);
      },
      fn: () => run(REPS),
      teardown: () => {
        st!.cs?.dispose();
        for (const t of [...st!.xs, ...st!.ys, ...st!.all]) t.dispose();
        st!.n.opt.dispose();
        st!.n.model.dispose();
        st = null;
      },
    };
    function run(reps: number): void {
      const { n, xs, ys, cs, all } = st!;
      if (loop) {
        // All the steps in one call, cycling over the batches as brain.js' train() cycles over its samples.
        cs!.steps(all[0], all[1], { batchSize: net.batch, steps: reps, firstBatch: st!.next });
        st!.next = (st!.next + reps) % xs.length;
      }
      for (let i = 0; i < (loop ? 0 : reps); i++) {
        const k = i % xs.length;
        if (cs) cs.step(xs[k], ys[k]);
        else {
          tidy(() => {
            const l = n.loss.forward(n.model.forward(xs[k]), ys[k]);
            n.opt.zeroGrad();
            l.backward();
            n.opt.step();
          });
        }
      }
      if (cs && cs.fallbackReason) throw new Error(`compileStep fell back to eager: ${cs.fallbackReason}`);
    }
  };
  return [mk(false), mk(true), mk(true, true)];
}

function tfCase(tf: Tf, backend: string, net: TinyNet): Case {
  let st: { vars: any[]; opt: any; xs: any[]; ys: any[] } | null = null;
  const act = (t: any) => (net.act === 'relu' ? tf.relu(t) : tf.sigmoid(t));
  return {
    row: net.row,
    lib: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
    work: REPS,
    enter: () => tf.setBackend(backend),
    setup: () => {
      // knobs' initial weights, copied: W is [in, out] in both.
      const n = knobsTiny(net);
      const [w1, b1, w2, b2] = n.model.parameters().map((p) => p.toFloat32Array());
      n.opt.dispose();
      n.model.dispose();
      const [i, h, o] = net.sizes;
      const vars = [tf.variable(tf.tensor2d(w1, [i, h])), tf.variable(tf.tensor1d(b1)), tf.variable(tf.tensor2d(w2, [h, o])), tf.variable(tf.tensor1d(b2))];
      const b = batchesOf(net);
      st = { vars, opt: tf.train.sgd(net.lr), xs: b.map(([x]) => tf.tensor2d(x)), ys: b.map(([, y]) => tf.tensor2d(y)) };
    },
    fn: () => {
      const { vars, opt, xs, ys } = st!;
      for (let r = 0; r < REPS; r++) {
        const k = r % xs.length;
        tf.tidy(() => {
          opt.minimize(() => {
            const hid = act(tf.add(tf.matMul(xs[k], vars[0]), vars[1]));
            let out = tf.add(tf.matMul(hid, vars[2]), vars[3]);
            if (net.outAct) out = act(out);
            return tf.losses.meanSquaredError(ys[k], out);
          }, false);
        });
      }
    },
    teardown: () => {
      for (const t of [...st!.vars, ...st!.xs, ...st!.ys]) t.dispose();
      st!.opt.dispose();
      st = null;
    },
  };
}

function brainCase(brain: BrainModule, net: TinyNet): Case {
  const data = net.x.map((input, r) => ({ input, output: net.y[r] }));
  // Per train() iteration brain.js makes one update per sample: at batch 1 those are 4 iterations.
  const perIter = net.batch === 1 ? net.x.length : 1;
  const iterations = Math.ceil(REPS / perIter);
  type Trainer = { train(d: unknown, o: unknown): { iterations: number } };
  let trainer: Trainer | null = null;
  // brain.js applies its activation to the output layer too; 'relu' there is not the book's
  // linear output (noted in the report). errorThresh 0 is refused.
  const fresh = () => new brain.NeuralNetwork({ hiddenLayers: [net.sizes[1]], activation: net.act, learningRate: net.lr }) as unknown as Trainer;
  return {
    row: net.row,
    lib: 'brain.js',
    work: iterations * perIter,
    setup: () => {
      // The same warm-up as knobs' cases (WARM_STEPS updates), on a throwaway net.
      fresh().train(data, { iterations: Math.ceil(WARM_STEPS / perIter), errorThresh: 1e-12, learningRate: net.lr, log: false });
      trainer = fresh();
    },
    fn: () => {
      // train() stops once the error is under errorThresh, and the streetlight net reaches
      // ~1e-15: a net that stopped early is replaced (its setup cost is then part of the time).
      for (let left = iterations; left > 0; ) {
        const r = trainer!.train(data, { iterations: left, errorThresh: 1e-12, learningRate: net.lr, log: false });
        left -= r.iterations;
        if (left > 0) trainer = fresh();
      }
    },
  };
}

export interface TinyPeers {
  tf: Tf | null;
  tfBackends: string[];
  brain: BrainModule | null;
}

export function tinyCases(net: TinyNet, peers: TinyPeers): Case[] {
  const cases = knobsCases(net);
  for (const b of peers.tfBackends) if (peers.tf) cases.push(tfCase(peers.tf, b, net));
  if (peers.brain) cases.push(brainCase(peers.brain, net));
  return cases;
}
