/**
 * The gemm path of a compiled dense layer (ts/compile/tune.ts): whichever path timing picks, the
 * compiled steps are the eager steps bit for bit; the choice is written into the program.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { compileStep, init, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import { heap } from '../ts/backend/wasm.js';
import { HEADER, KERNELS } from '../ts/compile/kernels.js';
import { _setGemmPath, gemmPath } from '../ts/compile/tune.js';
import { Rng } from '../ts/random.js';

beforeAll(() => init());

const [B, IN, HID, OUT] = [32, 64, 40, 10];

function net() {
  const model = new nn.Sequential(new nn.Linear(IN, HID, { seed: 11 }), new nn.ReLU(), new nn.Linear(HID, OUT, { seed: 12 }));
  return { model, opt: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: new nn.CrossEntropyLoss() };
}

function data(count: number) {
  const rng = new Rng(3);
  return Array.from({ length: count }, () => {
    const x = new Float32Array(B * IN).map(() => (rng.nextU32() / 2 ** 32) * 2 - 1);
    const y = new Float32Array(B * OUT);
    for (let r = 0; r < B; r++) y[r * OUT + (rng.nextU32() % OUT)] = 1;
    return { x, y };
  });
}

/** The gemm path words (bits 8+ of each dense op's activation word) of a compiled step's program. */
function programPaths(cs: unknown): number[] {
  const p = (cs as { program: { arena: Tensor; arenaFloats: number; words: number } }).program;
  const w = new Uint32Array(heap().buffer, p.arena.ptr + p.arenaFloats * 4, p.words);
  const out: number[] = [];
  const arity = Object.fromEntries(Object.values(KERNELS).map((v) => [v.code, v.encode(new Array(20).fill(1), () => 0).length]));
  arity[0] = 3;
  for (let pos = HEADER, o = 0; o < w[2]; o++) {
    const code = w[pos];
    if (code === KERNELS.dense_forward.code) out.push(w[pos + 1 + 8] >>> 8);
    if (code === KERNELS.dense_backward.code) out.push(w[pos + 1 + 11] >>> 8);
    pos += 1 + arity[code];
  }
  return out;
}

describe('compiled dense layers on every gemm path', () => {
  for (let via = 0; via < 5; via++) {
    it(`path ${via}: the eager steps' bits, and the path in the program`, () => {
      _setGemmPath('matmul_via', B, IN, HID, via);
      _setGemmPath('matmul_tn_via', IN, B, HID, via);
      const a = net(), b = net();
      const cs = compileStep(b.model, b.loss, b.opt);
      for (const d of data(6)) {
        const x = tensor(d.x, [B, IN]), y = tensor(d.y, [B, OUT]);
        const la = tidy(() => {
          const l = a.loss.forward(a.model.forward(x), y);
          a.opt.zeroGrad();
          l.backward();
          a.opt.step();
          return l.item();
        });
        expect(Math.fround(cs.step(x, y))).toBe(Math.fround(la));
        x.dispose();
        y.dispose();
      }
      expect(cs.mode).toBe('compiled');
      // Layer 1 forward and its weight gradient take the path; layer 2 is below the timing threshold.
      expect(programPaths(cs)).toEqual([via, 0, 0, via]);
      expect(b.model.parameters().map((p) => bits(p.toFloat32Array()))).toEqual(a.model.parameters().map((p) => bits(p.toFloat32Array())));
      cs.dispose();
    });
  }

  it('timing picks a path of gemm_via once per shape; small products keep gemm\'s rule', () => {
    const via = gemmPath('matmul_via', 48, 96, 40);
    expect(Number.isInteger(via) && via >= 0 && via < 5).toBe(true);
    expect(gemmPath('matmul_via', 48, 96, 40)).toBe(via);
    expect(gemmPath('matmul_tn_via', 8, 8, 8)).toBe(0);
  });
});
