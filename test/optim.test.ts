/** Optimizer registry, settable lr, LR schedulers (against PyTorch's formulas) and resuming with them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, memoryStats, nn, optim, Rng, tensor, tidy, type Tensor } from '../ts/index.js';
import { DataLoader, TensorDataset } from '../ts/data/dataset.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '../ts/io/save.js';
import { load, save } from '../ts/io/save-node.js';
import { createOptimizer } from '../ts/optim/create.js';
import { fit } from '../ts/train/index.js';

beforeAll(() => init());

const param = (v: number[]) => tensor(v, undefined, { requiresGrad: true });
function setGrad(p: Tensor, g: number[]) {
  p.grad?.dispose();
  p.grad = tensor(g);
}

describe('optimizer registry and options', () => {
  it('rejects unknown keys naming the optimizer and the key, a parameter listed twice, missing options', () => {
    const w = param([1, 2]);
    expect(() => new optim.SGD([w], { lr: 0.1, momentun: 0.9 } as any)).toThrow("SGD: unknown option 'momentun' (SGD takes lr, momentum, nesterov, weightDecay)");
    expect(() => new optim.Adam([w], { lr: 0.1, decoupled: true } as any)).toThrow(/Adam: unknown option 'decoupled'/);
    expect(() => createOptimizer([w], { type: 'RMSprop', betas: 1 } as any)).toThrow(/RMSprop: unknown option 'betas'/);
    expect(new optim.SGD([w], { type: 'SGD', lr: 0.1 } as any).lr).toBe(0.1);
    expect(() => new optim.SGD([w], { type: 'Adam', lr: 0.1 } as any)).toThrow('SGD: the options name optimizer type "Adam"');
    expect(() => new optim.SGD([w, w], { lr: 0.1 })).toThrow('SGD: parameter 1 [2] is the same tensor as parameter 0; list each parameter once');
    expect(() => new (optim.SGD as any)([w])).toThrow(/SGD: lr is required/);
    expect(() => new (optim.SGD as any)([w], null)).toThrow(/SGD: options must be an object/);
    expect(() => new (optim.Adam as any)(undefined)).toThrow(/Adam: params must be an iterable of tensors/);
    expect(() => new optim.SGD([w], { lr: 0.1, nesterov: 1 as any })).toThrow('SGD: nesterov must be a boolean, got 1');
    expect(() => new optim.SGD([w], { lr: 0.1, nesterov: true })).toThrow('SGD: nesterov needs momentum > 0');
    expect(() => createOptimizer([w], { type: 'Lion', lr: 1 } as any)).toThrow(/unknown optimizer type "Lion" \(registered: SGD, Adam, AdamW, RMSprop, Adagrad/);
    expect(new optim.AdamW([w]).hyperparameters()).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 });
    w.dispose();
  });

  it('a registered optimizer is created, saved and loaded by name like the built-in ones', () => {
    class SignSGD extends optim.Optimizer {
      static readonly def: optim.OptimizerDef = {
        type: 'SignSGD',
        hyper: { lr: { kind: 'number', range: [0, Infinity] } },
        slots: () => [],
        create: (ps, o) => new SignSGD(ps, o),
      };
      constructor(ps: Iterable<Tensor>, o: optim.Hyperparameters) {
        super(ps, SignSGD.def, o);
      }
      protected update(p: Tensor, g: Tensor): void {
        const d = p.toFloat32Array(), gd = g.toFloat32Array();
        p.data.set(d.map((v, i) => v - this.lr * Math.sign(gd[i])));
      }
    }
    optim.registerOptimizer(SignSGD.def);
    expect(() => optim.registerOptimizer(SignSGD.def)).toThrow(/'SignSGD' is already registered/);
    const m = new nn.Sequential(new nn.Linear(2, 1, { seed: 1 }));
    const opt = createOptimizer(m.parameters(), { type: 'SignSGD', lr: 0.25 });
    expect(opt).toBeInstanceOf(SignSGD);
    const { optimizer, model } = loadModel(saveModel(m, opt));
    expect(optimizer).toBeInstanceOf(SignSGD);
    expect(optimizer!.lr).toBe(0.25);
    for (const x of [m, model]) x.dispose();
  });
});

describe('lr can change during training', () => {
  it('optimizer.lr = x is used by the next step and shows in stateDict; loadStateDict restores it', () => {
    const w = param([1, 2]);
    const opt = new optim.SGD([w], { lr: 0.1 });
    setGrad(w, [1, 1]);
    opt.lr = 0.5;
    opt.step();
    expect(Array.from(w.toFloat32Array())).toEqual([0.5, 1.5]);
    expect(opt.stateDict().hyper).toEqual({ lr: 0.5, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(() => (opt.lr = -1)).toThrow('SGD: lr must be in [0, Infinity), got -1');
    expect(() => (opt.lr = NaN)).toThrow(/SGD: lr must be in/);
    expect(opt.lr).toBe(0.5);
    const other = new optim.SGD([w], { lr: 0.1 });
    other.loadStateDict(opt.stateDict());
    expect(other.lr).toBe(0.5);
    w.dispose();
  });
});

/** PyTorch's recursive (chainable) get_lr() forms, written out, to check our closed forms. */
const recursive = {
  StepLR: (lr: number, e: number, c: { stepSize: number; gamma: number }) => (e === 0 || e % c.stepSize !== 0 ? lr : lr * c.gamma),
  ExponentialLR: (lr: number, e: number, c: { gamma: number }) => (e === 0 ? lr : lr * c.gamma),
  CosineAnnealingLR: (lr: number, e: number, c: { tMax: number; etaMin: number }, base: number) => {
    if (e === 0) return lr;
    if ((e - 1 - c.tMax) % (2 * c.tMax) === 0) return lr + ((base - c.etaMin) * (1 - Math.cos(Math.PI / c.tMax))) / 2;
    return ((1 + Math.cos((Math.PI * e) / c.tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / c.tMax))) * (lr - c.etaMin) + c.etaMin;
  },
  LinearLR: (lr: number, e: number, c: { startFactor: number; endFactor: number; totalIters: number }) => {
    if (e === 0) return lr * c.startFactor;
    if (e > c.totalIters) return lr;
    return lr * (1 + (c.endFactor - c.startFactor) / (c.totalIters * c.startFactor + (e - 1) * (c.endFactor - c.startFactor)));
  },
};

describe('schedulers follow PyTorch', () => {
  const base = 0.1;
  const cases = [
    ['StepLR', { stepSize: 3, gamma: 0.5 }, (e: number) => base * 0.5 ** Math.floor(e / 3), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]],
    ['ExponentialLR', { gamma: 0.9 }, (e: number) => base * 0.9 ** e, [0.1, 0.09, 0.081, 0.0729]],
    ['CosineAnnealingLR', { tMax: 10, etaMin: 0.001 }, (e: number) => 0.001 + ((base - 0.001) * (1 + Math.cos((Math.PI * e) / 10))) / 2, [0.1, 0.097577, 0.090546, 0.079595]],
    ['LinearLR', { startFactor: 0.25, endFactor: 1, totalIters: 4 }, (e: number) => base * (0.25 + (0.75 * Math.min(e, 4)) / 4), [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1]],
  ] as const;
  for (const [type, cfg, closed, literal] of cases) {
    it(`${type}: closed form exactly, PyTorch's recursive form to 1e-12, literal values`, () => {
      const w = param([1]);
      const opt = new optim.SGD([w], { lr: base });
      const sched = new (optim as any)[type](opt, cfg) as optim.LRScheduler;
      expect(opt.schedulers).toEqual([sched]);
      let rec = base;
      const got: number[] = [];
      for (let e = 0; e <= 25; e++) {
        if (e > 0) sched.step();
        got.push(opt.lr);
        expect(sched.lastEpoch).toBe(e);
        expect(opt.lr).toBe(closed(e));
        rec = (recursive as any)[type](rec, e, { etaMin: 0, ...cfg }, base);
        expect(Math.abs(opt.lr - rec)).toBeLessThanOrEqual(1e-12 * base);
      }
      literal.forEach((v, e) => expect(got[e]).toBeCloseTo(v, 5));
      w.dispose();
    });
  }

  it('validates options; a rejected scheduler is not attached and lr is untouched', () => {
    const w = param([1]);
    const opt = new optim.SGD([w], { lr: 0.1 });
    expect(() => new optim.StepLR(opt, { stepSize: 0 })).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new optim.StepLR(opt, { stepSize: 2, gama: 0.5 } as any)).toThrow("StepLR: unknown option 'gama' (StepLR takes stepSize, gamma)");
    expect(() => new optim.LinearLR(opt, { startFactor: 0 })).toThrow(/LinearLR: startFactor must be in \(0, 1\]/);
    expect(() => new optim.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be in \(0, 1\)/);
    expect(() => new optim.CosineAnnealingLR({} as any, { tMax: 3 })).toThrow(/CosineAnnealingLR: the first argument must be an optimizer/);
    expect(opt.schedulers).toEqual([]);
    expect(opt.lr).toBe(0.1);
    w.dispose();
  });
});

describe('ReduceLROnPlateau', () => {
  function run(opts: optim.ReduceLROnPlateauOptions, metrics: number[]): number[] {
    const w = param([1]);
    const opt = new optim.SGD([w], { lr: 1 });
    const s = new optim.ReduceLROnPlateau(opt, opts);
    const out = metrics.map((m) => (s.step(m), opt.lr));
    w.dispose();
    return out;
  }
  it('reduces after more than `patience` bad epochs, with cooldown, minLr and eps as PyTorch', () => {
    expect(run({ factor: 0.5, patience: 2 }, [1, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85])).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    expect(run({ factor: 0.5, patience: 1, cooldown: 2 }, [1, 1, 1, 1, 1, 1, 1, 1])).toEqual([1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(run({ factor: 0.1, patience: 0, minLr: 0.05 }, [1, 2, 3, 4])).toEqual([1, 0.1, 0.05, 0.05]);
    // 'rel' threshold: 0.99995 is not below 1·(1 − 1e-4), so it is a bad epoch; 'abs' with 0 counts it.
    expect(run({ factor: 0.5, patience: 0 }, [1, 0.99995])).toEqual([1, 0.5]);
    expect(run({ factor: 0.5, patience: 0, thresholdMode: 'abs', threshold: 0 }, [1, 0.99995])).toEqual([1, 1]);
    expect(run({ factor: 0.5, patience: 0, mode: 'max' }, [1, 2, 1.5, NaN])).toEqual([1, 1, 0.5, 0.25]);
  });

  it('as a fit callback it watches `monitor`; StepLR as a callback steps each epoch', async () => {
    const rng = new Rng(1);
    const x = Float32Array.from({ length: 64 * 2 }, () => rng.next() * 2 - 1);
    const y = Float32Array.from({ length: 64 }, (_, i) => x[2 * i] - x[2 * i + 1]);
    const loader = new DataLoader(new TensorDataset({ data: x, shape: [64, 2] }, { data: y, shape: [64, 1] }), { batchSize: 16, shuffle: false });
    const model = new nn.Sequential(new nn.Linear(2, 1, { seed: 3 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    // The loss falls every epoch, so in 'max' mode every epoch after the first is bad.
    const plateau = new optim.ReduceLROnPlateau(opt, { monitor: 'loss', mode: 'max', patience: 0, factor: 0.5 });
    const seen: number[] = [];
    await fit(model, loader, { epochs: 4, optimizer: opt, loss: new nn.MSELoss(), verbose: false, callbacks: [{ onEpochBegin: (_e, ctx) => void seen.push(ctx.optimizer.lr) }, plateau] });
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(opt.lr).toBe(0.0125);
    const missing = new optim.ReduceLROnPlateau(new optim.SGD(model.parameters(), { lr: 0.1 }));
    await expect(fit(model, loader, { epochs: 1, optimizer: missing.optimizer, loss: new nn.MSELoss(), verbose: false, callbacks: missing })).rejects.toThrow(/ReduceLROnPlateau: monitor 'val_loss' is not in the epoch logs/);

    const opt2 = new optim.SGD(model.parameters(), { lr: 0.1 });
    const step = new optim.StepLR(opt2, { stepSize: 1, gamma: 0.5 });
    const seen2: number[] = [];
    await fit(model, loader, { epochs: 3, optimizer: opt2, loss: new nn.MSELoss(), verbose: false, callbacks: [{ onEpochBegin: (_e, ctx) => void seen2.push(ctx.optimizer.lr) }, step] });
    expect(seen2).toEqual([0.1, 0.05, 0.025]);
    model.dispose();
  });
});

describe('scheduler state saves with the optimizer', () => {
  it('stateDict carries attached schedulers; loadStateDict rebuilds them or loads into attached ones', () => {
    const w = param([1]);
    const opt = new optim.SGD([w], { lr: 1 });
    const cos = new optim.CosineAnnealingLR(opt, { tMax: 7 });
    const pl = new optim.ReduceLROnPlateau(opt, { patience: 1 });
    for (let i = 0; i < 3; i++) cos.step();
    pl.step(0.5);
    pl.step(0.7);
    const st = opt.stateDict();
    expect(JSON.parse(JSON.stringify(st.schedulers))).toEqual(st.schedulers);
    expect(st.schedulers![1].state).toEqual({ lastEpoch: 2, baseLr: 1, best: 0.5, numBadEpochs: 1, cooldownCounter: 0 });

    const fresh = new optim.SGD([w], { lr: 123 });
    fresh.loadStateDict(st);
    expect(fresh.schedulers.map((s) => s.type)).toEqual(['CosineAnnealingLR', 'ReduceLROnPlateau']);
    expect(fresh.lr).toBe(opt.lr);
    expect(fresh.stateDict().schedulers).toEqual(st.schedulers);
    fresh.schedulers[0].step();
    cos.step();
    expect(fresh.lr).toBe(opt.lr);

    const attached = new optim.SGD([w], { lr: 1 });
    const mine = new optim.CosineAnnealingLR(attached, { tMax: 7 });
    expect(() => attached.loadStateDict(st)).toThrow('SGD.loadStateDict: the state has 2 scheduler(s), 1 are attached');
    new optim.ReduceLROnPlateau(attached, { patience: 1 });
    attached.loadStateDict(st);
    expect(mine.lastEpoch).toBe(3);
    const wrong = new optim.SGD([w], { lr: 1 });
    new optim.CosineAnnealingLR(wrong, { tMax: 8 });
    new optim.ReduceLROnPlateau(wrong, { patience: 1 });
    expect(() => wrong.loadStateDict(st)).toThrow('CosineAnnealingLR.loadStateDict: saved tMax = 7 but this scheduler has 8');
    expect(() => new optim.SGD([w], { lr: 1 }).loadStateDict({ ...st, schedulers: [{ type: 'OneCycleLR', config: {}, state: {} }] })).toThrow(/unknown scheduler type "OneCycleLR"/);
    w.dispose();
  });

  for (const kind of ['Adam + CosineAnnealingLR', 'SGD + ReduceLROnPlateau'] as const) {
    it(`training resumes bit-identically through saveModel/loadModel (${kind})`, () => {
      const rng = new Rng(7);
      const x = tensor(Array.from({ length: 32 }, () => Array.from({ length: 4 }, () => rng.next() * 2 - 1)));
      const y = tensor(Array.from({ length: 32 }, () => [rng.next(), rng.next()]));
      const makeModel = () => new nn.Sequential(new nn.Linear(4, 8, { seed: 1 }), new nn.Tanh(), new nn.Linear(8, 2, { seed: 2 }));
      const makeOpt = (m: nn.Module) => {
        if (kind === 'Adam + CosineAnnealingLR') {
          const o = new optim.Adam(m.parameters(), { lr: 0.05 });
          new optim.CosineAnnealingLR(o, { tMax: 20, etaMin: 0.001 });
          return o;
        }
        const o = new optim.SGD(m.parameters(), { lr: 0.3, momentum: 0.9 });
        new optim.ReduceLROnPlateau(o, { patience: 1, factor: 0.5, threshold: 0.05 });
        return o;
      };
      const mse = new nn.MSELoss();
      const train = (m: nn.Sequential, o: optim.Optimizer, steps: number) => {
        for (let i = 0; i < steps; i++) {
          const loss = tidy(() => {
            o.zeroGrad();
            const l = mse.forward(m.forward(x), y);
            l.backward();
            return l.item();
          });
          o.step();
          const s = o.schedulers[0];
          if (s instanceof optim.ReduceLROnPlateau) s.step(loss);
          else s.step();
        }
      };
      const straight = makeModel();
      const optS = makeOpt(straight);
      train(straight, optS, 20);

      const first = makeModel();
      const optF = makeOpt(first);
      train(first, optF, 10);
      const saved = saveModel(first, optF);
      const { model: resumed, optimizer: optR } = loadModel<nn.Sequential>(saved);
      expect(optR!.schedulers.map((s) => s.type)).toEqual(optF.schedulers.map((s) => s.type));
      train(resumed, optR!, 10);

      expect(optR!.lr).toBe(optS.lr);
      if (kind === 'SGD + ReduceLROnPlateau') expect(optS.lr).toBeLessThan(0.3); // the plateau did act
      for (const [k, v] of Object.entries(straight.stateDict())) expect(bits(resumed.stateDict()[k].data)).toEqual(bits(v.data));
      expect(optR!.stateDict().schedulers).toEqual(optS.stateDict().schedulers);
      for (const t of [x, y]) t.dispose();
      for (const m of [straight, first, resumed]) m.dispose();
      for (const o of [optS, optF, optR!]) o.dispose();
    });
  }

  it('save()/load() on disk carry the schedulers and the changed lr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'knobs-optim-'));
    try {
      const m = new nn.Sequential(new nn.Linear(2, 2, { seed: 1 }));
      const opt = new optim.RMSprop(m.parameters(), { lr: 0.02 });
      const warm = new optim.LinearLR(opt, { totalIters: 3 });
      warm.step();
      const plateau = new optim.ReduceLROnPlateau(opt, { mode: 'max', patience: 3 });
      plateau.step(0.75);
      await save(m, join(dir, 'm'), { optimizer: opt });
      const back = await load(join(dir, 'm'));
      expect(back.optimizer!.lr).toBe(opt.lr);
      expect(back.optimizer!.stateDict().schedulers).toEqual(opt.stateDict().schedulers);
      expect((back.optimizer!.schedulers[1] as optim.ReduceLROnPlateau).best).toBe(0.75);
      back.model.dispose();
      back.optimizer!.dispose();
      m.dispose();
      opt.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loadModel reports bad scheduler state and leaks nothing', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2, { seed: 1 }));
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    new optim.StepLR(opt, { stepSize: 2 });
    const saved = saveModel(m, opt);
    const j = JSON.parse(saved.json);
    const before = memoryStats().liveBlocks;
    const bad = (f: (s: any) => void) => {
      const jj = structuredClone(j);
      f(jj.optimizer.schedulers[0]);
      return { weights: saved.weights, json: JSON.stringify(jj) };
    };
    expect(() => loadModel(bad((s) => (s.state.lastEpoch = -1)))).toThrow('StepLR.loadStateDict: lastEpoch must be a non-negative integer, got -1');
    expect(() => loadModel(bad((s) => (s.config.stepSize = 0)))).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => loadModel(bad((s) => (s.type = 'Nope')))).toThrow(/unknown scheduler type "Nope"/);
    const extraHyper = structuredClone(j);
    extraHyper.optimizer.hyper.momentun = 0.9;
    expect(() => loadModel({ weights: saved.weights, json: JSON.stringify(extraHyper) })).toThrow("loadModel: optimizer SGD has no hyperparameter 'momentun' (SGD takes lr, momentum, nesterov, weightDecay)");
    expect(memoryStats().liveBlocks).toBe(before);
    // Files written before schedulers existed have no `schedulers` key.
    delete j.optimizer.schedulers;
    const old = loadModel({ weights: saved.weights, json: JSON.stringify(j) });
    expect(old.optimizer!.schedulers).toEqual([]);
    old.model.dispose();
    old.optimizer!.dispose();
    m.dispose();
  });
});
