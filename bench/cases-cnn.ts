/**
 * CNN cases: LeNet-5 (conv 5×5 → 6 pad 2, relu, max-pool 2, conv 5×5 → 16, relu, max-pool 2,
 * 400-120-84-10 relu; examples/mnist-mlp.ts's lenet) — one training step (SGD, softmax
 * cross-entropy) and one inference, batch 64. Every library starts from knobs' seeded weights.
 *
 * Peers: TensorFlow.js 4.22's wasm backend cannot train a CNN (no Conv2DBackpropFilter kernel;
 * tfjs issue #8474), so training is measured against its cpu backend only; inference against both.
 */
import { conv2d, matmul, noGrad, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import { lenet } from '../examples/mnist-mlp.js';
import { CLASSES, head, uniform, type Samples } from './data.js';
import type { Case } from './harness.js';
import type { Tf } from './peers.js';
import { LR } from './cases-train.js';

export const BATCH = 64;
export const cnnStepRow = `step lenet5 b${BATCH}`;
export const cnnInferRow = `infer lenet5 b${BATCH}`;

/**
 * knobs' initial LeNet weights in tfjs' layouts: conv [kh, kw, in, out] (from [out, in, kh, kw]);
 * the first dense layer's rows reordered from NCHW flattening (c, h, w) to NHWC's (h, w, c).
 */
export function tfWeights(tf: Tf): any[] {
  const m = lenet(1);
  const ps = m.parameters().map((p) => ({ shape: [...p.shape], data: p.data.slice() }));
  m.dispose();
  const out: any[] = [];
  for (const p of ps) {
    if (p.shape.length === 4) {
      out.push(tf.tidy(() => tf.transpose(tf.tensor4d(p.data, p.shape), [2, 3, 1, 0])));
    } else if (p.shape.length === 2 && p.shape[0] === 400) {
      const re = new Float32Array(p.data.length);
      const cols = p.shape[1];
      for (let c = 0; c < 16; c++)
        for (let hw = 0; hw < 25; hw++) re.set(p.data.subarray((c * 25 + hw) * cols, (c * 25 + hw + 1) * cols), (hw * 16 + c) * cols);
      out.push(tf.tensor2d(re, p.shape));
    } else {
      out.push(p.shape.length === 2 ? tf.tensor2d(p.data, p.shape) : tf.tensor1d(p.data));
    }
  }
  return out.map((t) => tf.variable(t));
}

export function tfForward(tf: Tf, v: any[], x: any): any {
  const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b, f3w, f3b] = v;
  let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, c1w, 1, 'same'), c1b)), 2, 2, 'valid');
  h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c2w, 1, 'valid'), c2b)), 2, 2, 'valid');
  h = tf.reshape(h, [x.shape[0], 400]);
  h = tf.relu(tf.add(tf.matMul(h, f1w), f1b));
  h = tf.relu(tf.add(tf.matMul(h, f2w), f2b));
  return tf.add(tf.matMul(h, f3w), f3b);
}

const tfLib = (b: string) => (b === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu') as 'tfjs-wasm' | 'tfjs-cpu';

/** State built in setup and freed in teardown; one per case, as the harness sets each case up on its own. */
function holder<T>(make: () => T, free: (t: T) => void) {
  let v: T | null = null;
  return {
    setup: () => void (v = make()),
    teardown: () => {
      free(v!);
      v = null;
    },
    get: () => v!,
  };
}

export function cnnCases(data: Samples, tf: Tf | null, tfBackends: string[]): Case[] {
  const d = head(data, BATCH);
  const cases: Case[] = [];
  const knobsState = (train: boolean) =>
    holder(
      () => {
        const model = lenet(1);
        if (!train) model.eval();
        return { model, opt: new optim.SGD(model.parameters(), { lr: LR }), loss: new nn.CrossEntropyLoss(), x: tensor(d.x, [BATCH, 1, 28, 28]), y: tensor(d.oneHot, [BATCH, CLASSES]) };
      },
      (st) => {
        for (const t of [st.x, st.y]) t.dispose();
        st.opt.dispose();
        st.model.dispose();
      },
    );
  {
    const h = knobsState(true);
    cases.push({
      row: cnnStepRow,
      lib: 'knobs',
      work: BATCH,
      setup: h.setup,
      fn: () =>
        tidy(() => {
          const st = h.get();
          const l = st.loss.forward(st.model.forward(st.x), st.y);
          st.opt.zeroGrad();
          l.backward();
          st.opt.step();
        }),
      teardown: h.teardown,
    });
  }
  {
    const h = knobsState(false);
    cases.push({ row: cnnInferRow, lib: 'knobs', work: BATCH, setup: h.setup, fn: () => tidy(() => noGrad(() => h.get().model.forward(h.get().x).data[0])), teardown: h.teardown });
  }
  const tfState = () =>
    holder(
      () => ({ v: tfWeights(tf), x: tf.tensor4d(d.x, [BATCH, 28, 28, 1]), y: tf.tensor2d(d.oneHot, [BATCH, CLASSES]), opt: tf.train.sgd(LR) }),
      (st) => {
        for (const t of [...st.v, st.x, st.y]) t.dispose();
        st.opt.dispose();
      },
    );
  for (const backend of tf ? tfBackends : []) {
    const enter = () => tf.setBackend(backend);
    if (backend === 'cpu') {
      const h = tfState();
      cases.push({
        row: cnnStepRow,
        lib: tfLib(backend),
        work: BATCH,
        enter,
        setup: h.setup,
        fn: () => tf.tidy(() => h.get().opt.minimize(() => tf.losses.softmaxCrossEntropy(h.get().y, tfForward(tf, h.get().v, h.get().x)), false)),
        teardown: h.teardown,
      });
    }
    const h = tfState();
    // dataSync: tfjs runs lazily on some backends; the result must exist for the time to count.
    cases.push({ row: cnnInferRow, lib: tfLib(backend), work: BATCH, enter, setup: h.setup, fn: () => tf.tidy(() => tfForward(tf, h.get().v, h.get().x).dataSync()[0]), teardown: h.teardown });
  }
  return cases;
}

/** The 3×3 convolution of a ResNet-style block: 64 → 64 channels, 32×32 ('same'), batch 32. */
export const CONV = { n: 32, c: 64, o: 64, h: 32, w: 32, k: 3 } as const;
/** Multiply-adds ×2 of one forward (the backward is two products of the same size: ×3 for both). */
export const convFlops = 2 * CONV.n * CONV.o * CONV.h * CONV.w * CONV.c * CONV.k * CONV.k;
export const convFwdRow = `conv3x3 ${CONV.c}→${CONV.o} ${CONV.h}x${CONV.w} b${CONV.n} fwd`;
export const convStepRow = `conv3x3 ${CONV.c}→${CONV.o} ${CONV.h}x${CONV.w} b${CONV.n} fwd+bwd`;
/** The forward's product as one GEMM (W [O, C·9] · columns [C·9, N·H·W]): the same arithmetic. */
export const convGemmRow = `gemm ${CONV.o}x${CONV.c * 9}·${CONV.c * 9}x${CONV.n * CONV.h * CONV.w} (conv's)`;

/**
 * Conv2d 3×3 rows in GFLOP/s (work = FLOPs): the forward (knobs, tfjs-wasm/XNNPACK, tfjs-cpu),
 * forward+backward (knobs only: tfjs-wasm has no conv backward, tfjs-cpu takes tens of seconds),
 * and the GEMM of the forward's arithmetic that forward+backward is compared with.
 */
export function convCases(tf: Tf | null, tfBackends: string[], withCpu: boolean): Case[] {
  const { n, c, o, h, w, k } = CONV;
  const X = uniform(n * c * h * w, 21), W = uniform(o * c * k * k, 22, -0.05, 0.05), B = uniform(o, 23, -0.1, 0.1);
  const cases: Case[] = [];
  const knobs = (grad: boolean) =>
    holder(
      () => ({ x: tensor(X, [n, c, h, w], { requiresGrad: grad }), wt: tensor(W, [o, c, k, k], { requiresGrad: grad }), b: tensor(B, [o], { requiresGrad: grad }) }),
      (st) => [st.x, st.wt, st.b].forEach((t) => t.dispose()),
    );
  {
    const st = knobs(false);
    cases.push({ row: convFwdRow, lib: 'knobs', work: convFlops, setup: st.setup, teardown: st.teardown, fn: () => tidy(() => void conv2d(st.get().x, st.get().wt, st.get().b, { padding: 'same' })) });
  }
  {
    const st = knobs(true);
    cases.push({
      row: convStepRow,
      lib: 'knobs',
      work: 3 * convFlops,
      setup: st.setup,
      teardown: st.teardown,
      fn: () =>
        tidy(() => {
          const { x, wt, b } = st.get();
          // Σ y as the loss: its gradient is all ones, so backward is the conv's own (no loss op in the time).
          conv2d(x, wt, b, { padding: 'same' }).sum().backward();
          // As an optimizer's zeroGrad: the next backward writes the gradients instead of adding.
          for (const t of [x, wt, b]) {
            t.grad?.dispose();
            t.grad = null;
          }
        }),
    });
  }
  {
    const [m, kk, nn_] = [o, c * k * k, n * h * w];
    const A = uniform(m * kk, 24), Bm = uniform(kk * nn_, 25);
    const st = holder(() => ({ a: tensor(A, [m, kk]), b: tensor(Bm, [kk, nn_]) }), (s) => [s.a, s.b].forEach((t) => t.dispose()));
    cases.push({ row: convGemmRow, lib: 'knobs', work: 2 * m * kk * nn_, setup: st.setup, teardown: st.teardown, fn: () => tidy(() => void matmul(st.get().a, st.get().b)) });
  }
  for (const backend of tf ? tfBackends : []) {
    if (backend === 'cpu' && !withCpu) continue;
    const st = holder(
      () => ({ x: tf.tensor4d(X, [n, c, h, w]).transpose([0, 2, 3, 1]), wt: tf.tensor4d(W, [o, c, k, k]).transpose([2, 3, 1, 0]), b: tf.tensor1d(B) }),
      (s) => [s.x, s.wt, s.b].forEach((t: any) => t.dispose()),
    );
    cases.push({
      row: convFwdRow,
      lib: tfLib(backend),
      work: convFlops,
      enter: () => tf.setBackend(backend),
      setup: st.setup,
      teardown: st.teardown,
      fn: () => tf.tidy(() => tf.add(tf.conv2d(st.get().x, st.get().wt, 1, 'same'), st.get().b).dataSync()[0]),
    });
  }
  return cases;
}
