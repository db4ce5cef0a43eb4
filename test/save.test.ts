import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, memoryStats, nn, optim, Rng } from '../ts/index.js';
import { DataLoader, TensorDataset } from '../ts/data/dataset.js';
import { readSafetensors, writeSafetensors } from '../ts/io/safetensors.js';
import { fromBlobs, loadModel, saveModel, toBlobs } from '../ts/io/save.js';
import { load, save } from '../ts/io/save-node.js';
import { fit } from '../ts/train/index.js';

let dir = '';
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), 'knobs-save-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 6), y = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) x[i * 6 + j] = rng.next() * 2 - 1;
    const c = (x[i * 6] > 0 ? 1 : 0) + (x[i * 6 + 1] > 0 ? 2 : 0);
    y[i * 4 + c] = 1;
  }
  return new TensorDataset({ data: x, shape: [n, 6] }, { data: y, shape: [n, 4] });
}

const makeModel = () => new nn.Sequential(new nn.Linear(6, 12, { seed: 1 }), new nn.Tanh(), new nn.Dropout(0.3, { seed: 9 }), new nn.Linear(12, 4, { seed: 2 }));

function paramsBits(m: nn.Module) {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, bits(v.data)]));
}
function optBits(o: optim.Optimizer) {
  const s = o.stateDict();
  return { step: s.step, slots: Object.fromEntries(Object.entries(s.slots).map(([k, l]) => [k, l!.map((e) => bits(e.data))])) };
}

describe('saveModel / loadModel', () => {
  for (const [name, mk] of [
    ['Adam', (p: any) => new optim.Adam(p, { lr: 0.01, weightDecay: 1e-4 })],
    ['AdamW', (p: any) => new optim.AdamW(p, { lr: 0.01 })],
    ['SGD+nesterov', (p: any) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['RMSprop', (p: any) => new optim.RMSprop(p, { lr: 0.005 })],
    ['Adagrad', (p: any) => new optim.Adagrad(p, { lr: 0.05 })],
  ] as const) {
    it(`round-trips bit-exactly and training continues identically (${name})`, async () => {
      const loader = new DataLoader(data(64, 1), { batchSize: 16, shuffle: true, seed: 3 });
      const a = makeModel();
      const optA = mk(a.parameters());
      await fit(a, loader, { epochs: 2, optimizer: optA, verbose: false });
      const saved = saveModel(a, optA, { metadata: { epoch: 2, note: 'hi' } });
      const { model: b, optimizer: optB, metadata } = loadModel({ weights: saved.weights.slice(), json: saved.json });
      expect(metadata).toEqual({ epoch: 2, note: 'hi' });
      expect(optB!.constructor).toBe(optA.constructor);
      expect(nn.toSpec(b)).toEqual(nn.toSpec(a));
      expect(paramsBits(b)).toEqual(paramsBits(a));
      expect(optBits(optB!)).toEqual(optBits(optA));
      for (const k of ['lr', 'momentum', 'nesterov', 'weightDecay', 'beta1', 'beta2', 'eps', 'alpha', 'decoupled']) expect((optB as any)[k]).toBe((optA as any)[k]);
      // Both continue from epoch 2: same shuffle order, same dropout masks, same updates.
      await fit(a, loader, { epochs: 2, initialEpoch: 2, optimizer: optA, verbose: false });
      await fit(b, loader, { epochs: 2, initialEpoch: 2, optimizer: optB!, verbose: false });
      expect(paramsBits(b)).toEqual(paramsBits(a));
      expect(optBits(optB!)).toEqual(optBits(optA));
      for (const x of [a, b]) x.dispose();
      optA.dispose();
      optB!.dispose();
    });
  }

  it('writes standard safetensors (F32, names by position) and a model without optimizer', () => {
    const m = makeModel();
    const saved = saveModel(m);
    const f = readSafetensors(saved.weights);
    expect(Object.keys(f.tensors).sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    expect(f.tensors['0.weight']).toMatchObject({ dtype: 'F32', shape: [6, 12] });
    expect(f.metadata).toMatchObject({ format: 'knobs' });
    const j = JSON.parse(saved.json);
    expect(j).toMatchObject({ format: 'knobs.model', version: 2, optimizer: null, model: nn.toSpec(m), buffers: [], extraState: { '2': { rng: [...(m.layers[2] as nn.Dropout).rng.getState()] } } });
    const { model, optimizer } = loadModel(saved);
    expect(optimizer).toBeNull();
    expect(paramsBits(model)).toEqual(paramsBits(m));
    model.dispose();
    m.dispose();
  });

  it('rejects malformed or mismatched files with clear errors and leaks nothing', () => {
    const m = makeModel();
    const opt = new optim.Adam(m.parameters());
    opt.step(); // no grads yet: creates nothing; keep state empty-but-valid
    const good = saveModel(m, opt);
    const j = () => JSON.parse(good.json);
    const w = readSafetensors(good.weights, { copy: true }).tensors;
    const before = memoryStats().liveBlocks;
    const cases: [any, RegExp][] = [
      [{ weights: good.weights.subarray(0, good.weights.length - 3), json: good.json }, /not valid safetensors/],
      [{ weights: new Uint8Array(4), json: good.json }, /not valid safetensors/],
      [{ weights: 'nope', json: good.json }, /weights must be a Uint8Array or ArrayBuffer/],
      [{ weights: good.weights, json: '{"format": "knobs.model", ' }, /model JSON does not parse/],
      [{ weights: good.weights, json: '[]' }, /must be an object/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), format: 'keras' }) }, /format must be 'knobs.model'/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), version: 7 }) }, /unsupported model file version 7/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), model: { ...j().model, root: { type: 'Conv', config: {} } } }) }, /unknown module type "Conv"/],
      // Architecture in the JSON differs from the weights file.
      [{ weights: good.weights, json: JSON.stringify({ ...j(), model: { ...j().model, root: { ...j().model.root, children: j().model.root.children.slice(0, 1) } } }) }, /JSON lists parameters \[0.weight\[6,12\], 0.bias\[12\], 3.weight\[12,4\], 3.bias\[4\]\] but its model spec has \[0.weight\[6,12\], 0.bias\[12\]\]/],
      [{ weights: writeSafetensors({ ...w, '0.weight': { dtype: 'F64', shape: [6, 12], data: new Float64Array(72) } }), json: good.json }, /tensor '0.weight' is F64, expected F32/],
      [{ weights: writeSafetensors({ ...w, '0.weight': { dtype: 'F32', shape: [12, 6], data: new Float32Array(72) } }), json: good.json }, /tensor '0.weight' has shape \[12,6\], the JSON declares \[6,12\]/],
      [{ weights: writeSafetensors({ ...w, extra: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }), json: good.json }, /unexpected tensors: extra/],
      [{ weights: writeSafetensors(Object.fromEntries(Object.entries(w).filter(([k]) => k !== '3.bias'))), json: good.json }, /has no tensor '3.bias'/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, type: 'Lion' } }) }, /unknown optimizer type "Lion"/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, hyper: { ...j().optimizer.hyper, lr: 'fast' } } }) }, /optimizer Adam.lr must be a number, got "fast"/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, hyper: { ...j().optimizer.hyper, beta1: 2 } } }) }, /Adam: beta1 must be in \[0, 1\), got 2/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, params: ['0.weight', 'ghost'] } }) }, /updates "ghost", which is not a parameter/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, slots: { m: [null] } } }) }, /slot 'm' must have one entry per parameter \(4\), got 1/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, slots: { m: ['AAAA', null, null, null] } } }) }, /slot 'm' of '0.weight' should encode 72 float32 values \(384 base64 chars\), got 4 chars/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, slots: { m: ['!'.repeat(384), null, null, null] } } }) }, /is not valid base64/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), optimizer: { ...j().optimizer, slots: { velocity: [null, null, null, null] } } }) }, /Adam has no state slot\(s\) velocity/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), extraState: { '0': { rng: [1, 2, 3, 4] } } }) }, /loadModel: extra state of '0' \(Linear\): setExtraState: Linear keeps no extra state/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), extraState: { '2': { rng: [0, 0, 0, 0] } } }) }, /loadModel: extra state of '2' \(Dropout\): .*four uint32 words/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), extraState: { '7': {} } }) }, /loadModel: extra state for '7', which is not a module of this model/],
      [{ weights: good.weights, json: JSON.stringify({ ...j(), version: 1, rng: { '0': [1, 2, 3, 4] } }) }, /extra state of '0' \(Linear\)/],
    ];
    for (const [input, msg] of cases) expect(() => loadModel(input), String(msg)).toThrow(msg);
    expect(memoryStats().liveBlocks).toBe(before); // every half-built model was freed
    m.dispose();
    opt.dispose();
  });

  it('browser path: Blobs round-trip', async () => {
    const m = makeModel();
    const blobs = toBlobs(saveModel(m));
    expect(blobs.json.type).toBe('application/json');
    const { model } = loadModel(await fromBlobs(blobs));
    expect(paramsBits(model)).toEqual(paramsBits(m));
    model.dispose();
    m.dispose();
  });
});

describe('save / load files (Node)', () => {
  it('writes <path>.safetensors + <path>.json and loads them back exactly', async () => {
    const m = makeModel();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    await fit(m, new DataLoader(data(32, 2), { batchSize: 8 }), { epochs: 1, optimizer: opt, verbose: false });
    const files = await save(m, join(dir, 'sub', 'model'), { optimizer: opt });
    expect(files).toEqual({ weights: join(dir, 'sub', 'model.safetensors'), json: join(dir, 'sub', 'model.json') });
    const { model, optimizer } = await load(join(dir, 'sub', 'model.json'));
    expect(paramsBits(model)).toEqual(paramsBits(m));
    expect(optBits(optimizer!)).toEqual(optBits(opt));
    await expect(load(join(dir, 'missing'))).rejects.toThrow(/missing.safetensors not found \(a saved model is two files/);
    // A corrupted file on disk: header length pointing past the end.
    const bad = await readFile(files.weights);
    new DataView(bad.buffer, bad.byteOffset).setBigUint64(0, 1n << 40n, true);
    await writeFile(join(dir, 'bad.safetensors'), bad);
    // Without its weights hash (a file saved before the pairing check) the safetensors validation itself speaks.
    const { weightsSha256, ...unpaired } = JSON.parse(await readFile(files.json, 'utf8'));
    expect(weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(dir, 'bad.json'), JSON.stringify(unpaired));
    await expect(load(join(dir, 'bad'))).rejects.toThrow(/loadModel: the weights file is not valid safetensors/);
    // With it, the changed weights file no longer pairs with the JSON.
    await writeFile(join(dir, 'bad.json'), await readFile(files.json));
    await expect(load(join(dir, 'bad'))).rejects.toThrow(/load: .*bad\.safetensors does not belong with .*bad\.json: its sha256 is/);
    for (const x of [m, model]) x.dispose();
    opt.dispose();
    optimizer!.dispose();
  });
});

describe('save / load: concurrent saves to one path', () => {
  const small = (i: number) => new nn.Sequential(new nn.Linear(3, 2, { seed: 100 + i }));

  it('30 concurrent saves of different models: load gives the last save as a consistent pair; a mixed pair is refused', async () => {
    const models = Array.from({ length: 30 }, (_, i) => small(i));
    const path = join(dir, 'race', 'model');
    await Promise.all(models.map((m, i) => save(m, path, { metadata: { i } })));
    const { model, metadata } = await load(path);
    const i = metadata.i as number;
    // The weights are those of the save whose JSON this is — and saves of one path take turns, so it is the last.
    expect(paramsBits(model)).toEqual(paramsBits(models[i]));
    expect(i).toBe(29);
    // No temp file is left behind.
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(dir, 'race'))).sort()).toEqual(['model.json', 'model.safetensors']);

    // Hand-mixed: the weights of one save with the JSON of another (same architecture, so only the hash tells).
    await save(models[3], join(dir, 'a'), { metadata: { i: 3 } });
    await save(models[4], join(dir, 'b'), { metadata: { i: 4 } });
    await writeFile(join(dir, 'mixed.safetensors'), await readFile(join(dir, 'a.safetensors')));
    await writeFile(join(dir, 'mixed.json'), await readFile(join(dir, 'b.json')));
    const before = memoryStats().liveBytes;
    await expect(load(join(dir, 'mixed'))).rejects.toThrow(/load: .*mixed\.safetensors does not belong with .*mixed\.json/);
    expect(memoryStats().liveBytes).toBe(before);
    for (const m of [...models, model]) m.dispose();
  });
});
