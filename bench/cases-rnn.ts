/**
 * Recurrent training step: an LSTM or GRU over T steps (input I, hidden H, batch B, every step's
 * output used) with an MSE loss against a fixed target and SGD lr 0.01. knobs: nn.LSTM / nn.GRU
 * (batchFirst, fused kernels) + mseLoss inside tidy; tfjs: tf.layers.lstm / tf.layers.gru
 * (returnSequences) in a tf.sequential with model.trainOnBatch, the way a tfjs user trains one.
 * Same input and target; tfjs uses its own init (the weights' values do not change the arithmetic).
 */
import { mseLoss, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import type { Case, Lib } from './harness.js';
import type { Tf } from './peers.js';

// tfjs-core (what loadPeers returns) has no layers API; the umbrella package, already loaded by
// loadPeers on the same core, has. A name in a variable keeps tsc from resolving it.
const umbrella = '@tensorflow/tfjs';

export type RnnKind = 'lstm' | 'gru';
export const rnnRow = (kind: RnnKind, i: number, h: number, b: number, t: number) => `step ${kind} in${i} h${h} b${b} T${t}`;

function data(i: number, h: number, b: number, t: number): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from({ length: b * t * i }, (_, k) => Math.sin(k * 0.37));
  const y = Float32Array.from({ length: b * t * h }, (_, k) => 0.5 * Math.cos(k * 0.11));
  return { x, y };
}

/** One knobs training step. */
export function knobsRnnStep(rnn: nn.LSTM | nn.GRU, opt: optim.SGD, x: Tensor, y: Tensor): void {
  tidy(() => {
    const [out] = (rnn as nn.LSTM).forward(x);
    const l = mseLoss(out, y);
    opt.zeroGrad();
    l.backward();
    opt.step();
  });
}

/** `knobsLib` names knobs' row (bench/rnn.ts --simd relaxed: 'knobs-relaxed'). */
export function rnnStepCases(kind: RnnKind, i: number, h: number, b: number, t: number, tf: Tf | null, tfBackends: string[], knobsLib: Lib = 'knobs'): Case[] {
  const row = rnnRow(kind, i, h, b, t);
  const d = data(i, h, b, t);
  const cases: Case[] = [];
  let st: { rnn: nn.LSTM | nn.GRU; opt: optim.SGD; x: Tensor; y: Tensor } | null = null;
  cases.push({
    row,
    lib: knobsLib,
    work: b,
    setup: () => {
      const rnn = kind === 'lstm' ? new nn.LSTM(i, h, { batchFirst: true, seed: 1 }) : new nn.GRU(i, h, { batchFirst: true, seed: 1 });
      st = { rnn, opt: new optim.SGD(rnn.parameters(), { lr: 0.01 }), x: tensor(d.x, [b, t, i]), y: tensor(d.y, [b, t, h]) };
    },
    fn: () => knobsRnnStep(st!.rnn, st!.opt, st!.x, st!.y),
    teardown: () => {
      st!.x.dispose();
      st!.y.dispose();
      st!.opt.dispose();
      st!.rnn.dispose();
      st = null;
    },
  });
  for (const backend of tfBackends) {
    let model: any = null, x: any = null, y: any = null;
    cases.push({
      row,
      lib: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
      work: b,
      enter: () => tf.setBackend(backend),
      setup: async () => {
        const tfl = await import(umbrella);
        const layer = (kind === 'lstm' ? tfl.layers.lstm : tfl.layers.gru)({ units: h, returnSequences: true, inputShape: [t, i] });
        model = tfl.sequential({ layers: [layer] });
        model.compile({ optimizer: tfl.train.sgd(0.01), loss: 'meanSquaredError' });
        x = tf.tensor3d(d.x, [b, t, i]);
        y = tf.tensor3d(d.y, [b, t, h]);
      },
      // trainOnBatch returns a promise: an async fn makes tinybench wait for the step to finish
      // (a plain arrow function measured only the call that schedules it).
      fn: async () => {
        await model.trainOnBatch(x, y);
      },
      teardown: () => {
        model.dispose();
        x.dispose();
        y.dispose();
      },
    });
  }
  return cases;
}
