/**
 * Reinforcement learning: the Pong environment (determinism, physics invariants, observations),
 * the Categorical distribution (sampling statistics, hand values, gradients), and REINFORCE
 * actually learning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats, tensor, tidy, Rng, KnobsError, ShapeError } from '../ts/index.js';
import { Categorical, Pong, Reinforce, PONG_CLIP_FIELDS, PONG_SIZE, drawPong, evaluatePong, trainPong, trainPongInWorker, type PongClip, type PongProgress } from '../ts/rl/index.js';

beforeAll(() => init());

/** Plays a game with actions from a seeded stream; returns every step's result. */
function play(env: Pong, actionSeed: number, maxSteps = 100_000) {
  const rng = new Rng(actionSeed);
  const out = [];
  env.reset();
  for (let i = 0; i < maxSteps; i++) {
    const r = env.step(rng.int(3));
    out.push(r);
    if (r.done) break;
  }
  return out;
}

describe('Pong environment', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = play(new Pong({ seed: 7, pointsToWin: 3 }), 1);
    const b = play(new Pong({ seed: 7, pointsToWin: 3 }), 1);
    const c = play(new Pong({ seed: 8, pointsToWin: 3 }), 1);
    expect(a.length).toBe(b.length);
    a.forEach((r, i) => {
      expect(r.reward).toBe(b[i].reward);
      expect([...r.observation]).toEqual([...b[i].observation]);
    });
    const same = c.length === a.length && c.every((r, i) => r.observation.every((v, j) => v === a[i].observation[j]));
    expect(same).toBe(false);
    // reset(seed) restarts the stream: the same game again.
    const env = new Pong({ seed: 123, pointsToWin: 3 });
    const first = play(env, 1).map((r) => r.reward);
    env.reset(123);
    const rng = new Rng(1);
    const again: number[] = [];
    for (let done = false; !done; ) {
      const r = env.step(rng.int(3));
      again.push(r.reward);
      done = r.done;
    }
    expect(again).toEqual(first);
  });

  it('keeps ball and paddles in the court, and scores add up to the rewards', () => {
    const env = new Pong({ seed: 3, pointsToWin: 5, frameSkip: 1 });
    const rng = new Rng(9);
    env.reset();
    let agent = 0, opponent = 0, steps = 0, last = env.info();
    for (let done = false; !done; steps++) {
      const r = env.step(rng.int(3));
      const p = env.positions;
      expect(p.ballY).toBeGreaterThanOrEqual(0);
      expect(p.ballY).toBeLessThanOrEqual(PONG_SIZE - 2);
      // Horizontally the ball is in the court, or has just been served again after leaving it.
      expect(p.ballX).toBeGreaterThan(-6);
      expect(p.ballX).toBeLessThan(PONG_SIZE + 6);
      for (const y of [p.agentY, p.opponentY]) {
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(PONG_SIZE - env.paddleHeight);
      }
      // Normalised positions: ball y and both paddles in [−1, 1]; ball x overshoots a little past a paddle.
      for (const i of [1, 4, 6]) expect(Math.abs(r.observation[i])).toBeLessThanOrEqual(1);
      expect(Math.abs(r.observation[0])).toBeLessThanOrEqual(1.2);
      expect([-1, 0, 1]).toContain(r.reward);
      if (r.reward > 0) agent++;
      if (r.reward < 0) opponent++;
      expect(r.info.agentScore).toBe(agent);
      expect(r.info.opponentScore).toBe(opponent);
      expect(r.info.frame).toBe(last.frame + 1);
      last = r.info;
      done = r.done;
    }
    expect(Math.max(agent, opponent)).toBe(5);
    expect(Math.min(agent, opponent)).toBeLessThan(5);
    expect(() => env.step(0)).toThrow(/reset\(\) first/);
  });

  it('lets a paddle that tracks the ball win points, and loses to one that stays put', () => {
    const score = (policy: (o: Float32Array) => number) => {
      const env = new Pong({ seed: 5, pointsToWin: 10 });
      let o = env.reset();
      for (;;) {
        const r = env.step(policy(o));
        o = r.observation;
        if (r.done) return r.info;
      }
    };
    // Tracks the ball but aims off-centre, so returns come back steep: the opponent's speed limit shows.
    const aim = score((o) => {
      const d = o[1] - o[4] + (o[1] > 0 ? 0.1 : -0.1);
      return d < -0.03 ? 1 : d > 0.03 ? 2 : 0;
    });
    expect(aim.agentScore).toBe(10);
    const stay = score(() => 0);
    expect(stay.opponentScore).toBe(10);
    expect(stay.agentScore).toBeLessThan(5);
  });

  it('lets a person play the left paddle (opponentAction) at the agent\'s paddle speed', () => {
    const env = new Pong({ seed: 3, frameSkip: 1 });
    env.reset();
    const y0 = env.positions.opponentY;
    env.step(0, 1);
    expect(env.positions.opponentY).toBe(y0 - env.paddleSpeed);
    env.step(0, 2);
    env.step(0, 2);
    expect(env.positions.opponentY).toBe(y0 + env.paddleSpeed);
    // Staying put on the left loses every rally the agent returns; the built-in follower would not.
    const still = new Pong({ seed: 3, pointsToWin: 3 });
    let o = still.reset();
    let r;
    do {
      const d = o[1] - o[4];
      r = still.step(d < -0.03 ? 1 : d > 0.03 ? 2 : 0, 0);
      o = r.observation;
    } while (!r.done);
    expect(r.info).toMatchObject({ agentScore: 3 });
    expect(() => env.step(0, 3)).toThrow(/Pong.step: opponentAction must be 0 \(stay\), 1 \(up\) or 2 \(down\), got 3/);
  });

  it('has the dynamics of the numpy port that scripts/pong-numpy-reference.py times (same numbers, step by step)', () => {
    const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'pong-numpy-reference.json'), 'utf8')) as { trajectory: { envSeed: number; resetSeed: number; actionSeed: number; rows: number[][] } };
    const { envSeed, resetSeed, actionSeed, rows } = fx.trajectory;
    expect(rows.length).toBeGreaterThan(300);
    // Points are scored along the way, so serves and bounce jitter (the Rng) are compared too.
    expect(rows.filter((r) => r[7] !== 0).length).toBeGreaterThan(5);
    const env = new Pong({ seed: envSeed });
    env.reset(resetSeed);
    const actions = new Rng(actionSeed);
    let done = false;
    for (const [a, ...want] of rows) {
      expect(actions.int(3)).toBe(a);
      const r = env.step(a);
      const p = env.positions;
      expect([p.ballX, p.ballY, p.ballVx, p.ballVy, p.agentY, p.opponentY, r.reward, r.info.agentScore, r.info.opponentScore]).toEqual(want);
      done = r.done;
    }
    // The port ended the game (21 points) at the same step, or played all 400.
    expect(done).toBe(rows.length < 400);
  });

  it('renders 80×80 binary frames, with frame differences as an option', () => {
    const env = new Pong({ seed: 1, observation: 'pixels' });
    const f = env.reset();
    expect(f.length).toBe(PONG_SIZE * PONG_SIZE);
    expect(f.every((v) => v === 0 || v === 1)).toBe(true);
    // Two 2×12 paddles and a 2×2 ball (the served ball sits on whole pixels).
    expect(f.reduce((s, v) => s + v, 0)).toBe(2 * 2 * 12 + 4);
    const diff = new Pong({ seed: 1, observation: 'pixels', frameDiff: true });
    expect(diff.reset().every((v) => v === 0)).toBe(true);
    const d1 = diff.step(1).observation;
    expect(d1.every((v) => v === -1 || v === 0 || v === 1)).toBe(true);
    const now = env.step(1).observation;
    for (let i = 0; i < d1.length; i++) expect(d1[i]).toBe(now[i] - f[i]);
    expect(d1.some((v) => v !== 0)).toBe(true);
  });

  it('draws on a canvas-like context', () => {
    const rects: number[][] = [];
    const ctx = { canvas: { width: 160, height: 160 }, fillStyle: '' as unknown, fillRect: (...r: number[]) => rects.push(r) };
    const env = new Pong({ seed: 1 });
    env.reset();
    env.render(ctx);
    expect(rects.length).toBe(4);
    expect(rects[0]).toEqual([0, 0, 160, 160]);
    const p = env.positions;
    expect(rects[3]).toEqual([p.ballX * 2, p.ballY * 2, 4, 4]);
  });

  it('rejects bad actions and options with clear errors', () => {
    const env = new Pong();
    expect(() => env.step(0)).toThrow(/Pong.step: the game is over \(or never started\)/);
    env.reset();
    expect(() => env.step(3)).toThrow(/Pong.step: action must be 0 \(stay\), 1 \(up\) or 2 \(down\), got 3/);
    expect(() => env.step(0.5)).toThrow(KnobsError);
    env.step(0);
    expect(() => new Pong({ frameSkip: 0 })).toThrow(/Pong: frameSkip must be a positive integer, got 0/);
    expect(() => new Pong({ observation: 'rgb' as 'state' })).toThrow(/Pong: observation must be 'state' or 'pixels'/);
    expect(() => new Pong({ frameDiff: true })).toThrow(/frameDiff needs observation 'pixels'/);
    expect(() => new Pong({ paddleHeight: 80 })).toThrow(/paddleHeight must be below/);
  });

  it('cuts a game short at maxSteps', () => {
    const env = new Pong({ seed: 1, maxSteps: 10 });
    const steps = play(env, 2);
    expect(steps.length).toBe(10);
    expect(steps[9].done).toBe(true);
    expect(steps[9].info.truncated).toBe(true);
  });
});

describe('Categorical', () => {
  it('samples with the frequencies of its probabilities (chi-square, 3 dof, p = 0.001)', () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const n = 20_000;
    const counts = tidy(() => {
      // A batch of n identical rows: one call draws them all.
      const rows = tensor(Array.from({ length: n }, () => probs));
      const s = new Categorical({ probs: rows }).sample(new Rng(42));
      const c = [0, 0, 0, 0];
      for (const a of s) c[a]++;
      return c;
    });
    const chi2 = counts.reduce((s, c, i) => s + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
    expect(chi2).toBeLessThan(16.27);
  });

  it('samples the same actions for the same generator state, from logits too', () => {
    const draw = (seed: number) => tidy(() => [...new Categorical({ logits: tensor([[0, 1, 2], [2, 1, 0], [0, 0, 0]]) }).sample(new Rng(seed))]);
    const runs = Array.from({ length: 50 }, (_, i) => draw(i).join());
    expect(draw(3)).toEqual(draw(3));
    expect(new Set(runs).size).toBeGreaterThan(5);
    // A class with probability 0 is never drawn.
    const zero = tidy(() => [...new Categorical({ probs: tensor(Array.from({ length: 500 }, () => [0.5, 0, 0.5])) }).sample(new Rng(1))]);
    expect(zero.includes(1)).toBe(false);
  });

  it('logProb and entropy match hand values', () => {
    tidy(() => {
      const d = new Categorical({ probs: tensor([0.25, 0.25, 0.5]) });
      expect(d.logProb([2]).item()).toBeCloseTo(Math.log(0.5), 6);
      expect(d.logProb([0]).item()).toBeCloseTo(Math.log(0.25), 6);
      expect(d.entropy().item()).toBeCloseTo(-(2 * 0.25 * Math.log(0.25) + 0.5 * Math.log(0.5)), 6);
      // Unnormalised probabilities are renormalised, as in PyTorch.
      expect(new Categorical({ probs: tensor([1, 1, 2]) }).logProb([2]).item()).toBeCloseTo(Math.log(0.5), 6);
      const l = new Categorical({ logits: tensor([[0, Math.log(2)], [5, 5]]) });
      expect(l.logProb([1, 0]).toArray()).toEqual([expect.closeTo(Math.log(2 / 3), 6), expect.closeTo(Math.log(0.5), 6)]);
      const h = l.entropy().toArray() as number[];
      expect(h[0]).toBeCloseTo(-(1 / 3) * Math.log(1 / 3) - (2 / 3) * Math.log(2 / 3), 6);
      expect(h[1]).toBeCloseTo(Math.log(2), 6);
      // A certain outcome: zero entropy and log 1 = 0, with no NaN from 0·log 0.
      const sure = new Categorical({ probs: tensor([0, 1, 0]) });
      expect(sure.entropy().item()).toBeCloseTo(0, 6);
      expect(sure.logProb([1]).item()).toBeCloseTo(0, 6);
    });
  });

  it('back-propagates logProb and entropy to the logits (vs finite differences)', () => {
    const z = [0.3, -1.2, 0.8];
    const f = (zz: number[], fn: (d: Categorical) => number) => tidy(() => fn(new Categorical({ logits: tensor(zz) })));
    for (const [name, fn] of [
      ['logProb', (d: Categorical) => d.logProb([2]).item()],
      ['entropy', (d: Categorical) => d.entropy().item()],
    ] as const) {
      const grad = tidy(() => {
        const x = tensor(z).requireGrad();
        const d = new Categorical({ logits: x });
        (name === 'logProb' ? d.logProb([2]) : d.entropy()).backward();
        return [...x.grad!.toFloat32Array()];
      });
      const h = 1e-2;
      z.forEach((_, j) => {
        const up = [...z], dn = [...z];
        up[j] += h;
        dn[j] -= h;
        expect(grad[j]).toBeCloseTo((f(up, fn) - f(dn, fn)) / (2 * h), 3);
      });
    }
  });

  it('rejects bad parameters and actions before allocating', () => {
    tidy(() => {
      const before = memoryStats().liveBlocks;
      expect(() => new Categorical({ probs: tensor([0.5, -0.1, 0.6]) })).toThrow(/Categorical: probs \[3\] has a negative entry/);
      expect(() => new Categorical({ probs: tensor([0, 0]) })).toThrow(/row 0 sums to 0/);
      expect(() => new Categorical({ logits: tensor([[[1]]]) })).toThrow(ShapeError);
      expect(() => new Categorical({ logits: tensor([1, NaN]) })).toThrow(/NaN or Infinity/);
      expect(() => new Categorical({} as { logits: never })).toThrow(/exactly one of probs or logits/);
      const d = new Categorical({ logits: tensor([[1, 2], [3, 4]]) });
      const live = memoryStats().liveBlocks;
      expect(() => d.logProb([0])).toThrow(/Categorical.logProb: got 1 actions for a batch of 2 \(logits \[2,2\]\)/);
      expect(() => d.logProb([0, 2])).toThrow(/action 2 at index 1 is not a class index in \[0, 2\)/);
      expect(memoryStats().liveBlocks).toBe(live);
      expect(live).toBeGreaterThan(before);
    });
  });
});

describe('REINFORCE', () => {
  /** Points won out of points played by the current policy (sampling, as in training). */
  function winRate(agent: Reinforce, seed: number, points: number): number {
    const env = new Pong({ seed, pointsToWin: points });
    let o = env.reset();
    for (;;) {
      const r = env.step(agent.act(o));
      o = r.observation;
      if (r.done) return r.info.agentScore / (r.info.agentScore + r.info.opponentScore);
    }
  }

  it('discounts returns and restarts them at each point', () => {
    const agent = new Reinforce(8, 3, { gamma: 0.5 });
    expect([...agent.discountedReturns([0, 0, 1, 0, -1])]).toEqual([0.25, 0.5, 1, -0.5, -1]);
    const noReset = new Reinforce(8, 3, { gamma: 0.5, resetAtReward: false });
    expect([...noReset.discountedReturns([0, 1, 0, -1])]).toEqual([0.375, 0.75, -0.5, -1]);
    // Two stacked episodes: the first one's return does not leak into the second.
    expect([...noReset.discountedReturns([0, 1, 0, -1], [2, 2])]).toEqual([0.5, 1, -0.5, -1]);
    agent.dispose();
    noReset.dispose();
  });

  it('learns to win points from the state observation; training leaks no memory', () => {
    const env = new Pong({ seed: 11, pointsToWin: 21, maxSteps: 5000 });
    const agent = new Reinforce(env.observationSize, env.actionCount, { seed: 4, lr: 1e-2 });
    const untrained = winRate(agent, 100, 30);
    agent.trainEpisode(env);
    const live = memoryStats().liveBlocks;
    let won = 0, played = 0;
    for (let ep = 0; ep < 300; ep++) {
      const s = agent.trainEpisode(env);
      if (ep >= 270) {
        won += s.wins;
        played += s.wins + s.losses;
      }
    }
    expect(memoryStats().liveBlocks).toBeLessThanOrEqual(live);
    const trained = winRate(agent, 100, 30);
    console.log(`untrained ${untrained.toFixed(2)}, last 30 training games ${(won / played).toFixed(2)}, trained ${trained.toFixed(2)}`);
    expect(untrained).toBeLessThan(0.2);
    expect(won / played).toBeGreaterThan(0.3);
    expect(trained).toBeGreaterThan(0.3);
    agent.dispose();
    // ~45 s on a quiet core; the machine is shared, and a timeout is not a learning failure.
  }, 240_000);

  /** An env that records what the agent saw and did, to replay the episode into update(). */
  function recording(env: Pong) {
    const log = { obs: [] as Float32Array[], acts: [] as number[], rews: [] as number[] };
    let last: Float32Array | null = null;
    const rec = {
      observationSize: env.observationSize,
      actionCount: env.actionCount,
      reset(seed?: number) {
        last = env.reset(seed);
        return last;
      },
      step(a: number) {
        log.obs.push(last!);
        log.acts.push(a);
        const r = env.step(a);
        log.rews.push(r.reward);
        last = r.observation;
        return r;
      },
    };
    return { rec, log };
  }
  const closeTo = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(tol);
  };

  it('learns from pixels with sparseInput as with the dense first layer, and the cached hidden layer gives the recomputed update', () => {
    const env = () => new Pong({ seed: 3, observation: 'pixels', frameDiff: true, pointsToWin: 2, maxSteps: 80 });
    const opts = { seed: 6, lr: 1e-3, hidden: 16 };
    const dense = new Reinforce(6400, 3, opts);
    const sparse = new Reinforce(6400, 3, { ...opts, sparseInput: true });
    const live = memoryStats().liveBlocks;
    const games = [recording(env()), recording(env())];
    const d = dense.trainEpisodes([env(), env()], [11, 12]);
    const s = sparse.trainEpisodes(games.map((g) => g.rec), [11, 12]);
    expect(s.map((x) => x.steps)).toEqual(d.map((x) => x.steps));
    expect(s.map((x) => x.wins + x.losses)).toEqual(d.map((x) => x.wins + x.losses));
    const nnz = games[0].log.obs.reduce((a, o) => a + o.filter((v) => v !== 0).length, 0) / games[0].log.obs.length;
    expect(nnz).toBeGreaterThan(4);
    expect(nnz).toBeLessThan(100);
    const ws = sparse.stateDict().policy, wd = dense.stateDict().policy;
    for (const k of Object.keys(wd)) closeTo(ws[k].data, wd[k].data, 1e-5);
    // The same episodes through update() (layer 1 run again, on dense rows) give the same step.
    const replay = new Reinforce(6400, 3, opts);
    const lengths = games.map((g) => g.log.acts.length);
    const obs = new Float32Array(lengths.reduce((a, b) => a + b, 0) * 6400);
    games.flatMap((g) => g.log.obs).forEach((o, i) => obs.set(o, i * 6400));
    replay.update(obs, Int32Array.from(games.flatMap((g) => g.log.acts)), Float32Array.from(games.flatMap((g) => g.log.rews)), lengths);
    const wr = replay.stateDict().policy;
    for (const k of Object.keys(wr)) closeTo(ws[k].data, wr[k].data, 1e-5);
    // Training moved the weights (the comparison is not between untouched initial weights).
    const init = new Reinforce(6400, 3, opts);
    const w0 = init.stateDict().policy['0.weight'].data;
    expect(ws['0.weight'].data.some((v, i) => Math.abs(v - w0[i]) > 1e-4)).toBe(true);
    for (const a of [dense, sparse, replay, init]) a.dispose();
    // A2C: the value network takes the sparse rows too.
    const a2c = { ...opts, algorithm: 'a2c' as const };
    const [ad, sa] = [new Reinforce(6400, 3, a2c), new Reinforce(6400, 3, { ...a2c, sparseInput: true })];
    ad.trainEpisodes([env(), env()], [11, 12]);
    sa.trainEpisodes([env(), env()], [11, 12]);
    const [sd, ss] = [ad.stateDict(), sa.stateDict()];
    for (const k of Object.keys(sd.policy)) closeTo(ss.policy[k].data, sd.policy[k].data, 1e-5);
    for (const k of Object.keys(sd.value!)) closeTo(ss.value![k].data, sd.value![k].data, 1e-5);
    ad.dispose();
    sa.dispose();
    expect(memoryStats().liveBlocks).toBeLessThanOrEqual(live);
  });

  it('acts on a batch of observations as on each row alone (greedy)', () => {
    const agent = new Reinforce(8, 3, { seed: 1 });
    const rows = Array.from({ length: 6 }, (_, i) => Float32Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j)));
    const stacked = new Float32Array(48);
    rows.forEach((r, i) => stacked.set(r, i * 8));
    const batch = [...agent.actBatch(stacked, 6, true)];
    expect(batch).toEqual(rows.map((r) => agent.act(r, true)));
    expect(new Set(batch).size).toBeGreaterThan(1);
    expect(() => agent.actBatch(stacked, 5)).toThrow(/Reinforce.act: observation has 48 values, the policy expects 5×8/);
    agent.dispose();
  });

  it('acts (preallocated forward) as the policy module and Categorical do, sampled and greedy, for any number of games', () => {
    const agent = new Reinforce(8, 3, { seed: 5, hidden: 20 });
    const live = memoryStats().liveBlocks;
    for (const n of [3, 1, 7, 7]) {
      const obs = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 1.7 + n) * 2);
      const rng = new Rng(0);
      rng.setState(agent.rng.getState());
      const [sampled, greedy] = tidy(() => {
        const dist = new Categorical({ logits: agent.policy.forward(tensor(obs, [n, 8])) });
        const lp = dist.logits.toFloat32Array();
        return [[...dist.sample(rng)], Array.from({ length: n }, (_, r) => [0, 1, 2].reduce((b, j) => (lp[r * 3 + j] > lp[r * 3 + b] ? j : b), 0))];
      });
      expect([...agent.actBatch(obs, n)]).toEqual(sampled);
      expect(agent.rng.getState()).toEqual(rng.getState());
      expect([...agent.actBatch(obs, n, true)]).toEqual(greedy);
    }
    // Blocks are made for the most games seen so far, not per step.
    expect(memoryStats().liveBlocks).toBe(live + 1);
    agent.policy.parameters()[0].data.fill(NaN);
    expect(() => agent.act(new Float32Array(8))).toThrow(/Reinforce.act: the policy's logits \[1,3\] contain NaN or Infinity/);
    const params = agent.policy.parameters().length;
    agent.dispose();
    // dispose() frees the acting blocks with the weights (the optimizer has no state yet).
    expect(memoryStats().liveBlocks).toBe(live - params);
  });

  it('resumes exactly from its state (REINFORCE and A2C, one or two games per update): 2 + 2 episodes equal 4', async () => {
    for (const [algorithm, envs] of [['reinforce', 1], ['a2c', 1], ['reinforce', 2], ['a2c', 2]] as const) {
      const cfg = { env: { seed: 2, pointsToWin: 3 }, agent: { seed: 9, algorithm }, envs };
      const live = memoryStats().liveBlocks;
      const whole = await trainPong({ ...cfg, episodes: 4 });
      const first = await trainPong({ ...cfg, episodes: 2 });
      const rest = await trainPong({ ...cfg, episodes: 2, resume: first.state });
      expect(memoryStats().liveBlocks).toBeLessThanOrEqual(live);
      expect(rest.state.episodes).toBe(4);
      expect([...first.history, ...rest.history]).toEqual(whole.history);
      expect(rest.state.policy).toEqual(whole.state.policy);
      expect(rest.state.optimizer).toEqual(whole.state.optimizer);
      expect(rest.state.value).toEqual(whole.state.value);
      expect(whole.state.value === null).toBe(algorithm === 'reinforce');
      // Training changed the policy.
      const init = new Reinforce(8, 3, { seed: 9, algorithm });
      expect(whole.state.policy['0.weight'].data).not.toEqual(init.stateDict().policy['0.weight'].data);
      init.dispose();
    }
  });

  it('stops at an abort between episodes and returns the state so far', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const r = await trainPong({ episodes: 1000, env: { pointsToWin: 2 }, yieldEveryMs: 0 }, (p) => {
      seen.push(p.episode);
      if (p.episode === 3) controller.abort();
    }, controller.signal);
    expect(r.aborted).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(r.state.episodes).toBe(3);
  });

  it('trains in a worker: progress per episode, checkpoints, abort, resume', async () => {
    const progress: PongProgress[] = [];
    const cfg = { env: { seed: 4, pointsToWin: 3 }, agent: { seed: 5, hidden: 32 } };
    const r = await trainPongInWorker({ ...cfg, episodes: 4, checkpointEvery: 2 }, (p) => progress.push(p));
    expect(r.aborted).toBe(false);
    expect(progress.map((p) => p.episode)).toEqual([1, 2, 3, 4]);
    expect(progress.map((p) => p.state !== undefined)).toEqual([false, true, false, true]);
    progress.forEach((p, i) => {
      expect(p.wins + p.losses).toBeGreaterThanOrEqual(3);
      expect(p).toMatchObject(r.history[i]);
    });
    // Resuming in the worker from a checkpoint gives what the main thread computes from it.
    const resumed = await trainPongInWorker({ ...cfg, episodes: 2, resume: progress[1].state });
    expect(resumed.state.policy).toEqual(r.state.policy);
    const here = await trainPong({ ...cfg, episodes: 4 });
    expect(here.state.policy).toEqual(r.state.policy);

    const controller = new AbortController();
    let n = 0;
    const aborted = await trainPongInWorker({ ...cfg, episodes: 100_000, signal: controller.signal }, () => {
      if (++n === 2) controller.abort();
    });
    expect(aborted.aborted).toBe(true);
    expect(aborted.state.episodes).toBeLessThan(1000);
    await expect(trainPongInWorker({ ...cfg, episodes: -1 })).rejects.toThrow(/trainPongInWorker: episodes must be a non-negative integer, got -1/);
    await expect(trainPongInWorker({ ...cfg, episodes: 1, env: { frameSkip: 0 } })).rejects.toThrow(/Pong: frameSkip must be a positive integer/);
  });

  it('records clips of a training game for watching, without changing what is learned', async () => {
    const cfg = { env: { seed: 4, pointsToWin: 3 }, agent: { seed: 5, hidden: 32 }, episodes: 3 };
    const check = (clips: PongClip[]) => {
      expect(clips.length).toBeGreaterThan(0);
      for (const c of clips) {
        expect(c.frames.length).toBe(c.steps * PONG_CLIP_FIELDS);
        expect(c.steps).toBeGreaterThan(0);
        expect(c.steps).toBeLessThanOrEqual(40);
        expect(c.paddleHeight).toBe(12);
        expect([1, 2, 3]).toContain(c.episode);
        const rows = Array.from({ length: c.steps }, (_, i) => c.frames.subarray(i * PONG_CLIP_FIELDS, (i + 1) * PONG_CLIP_FIELDS));
        for (const [, by, ay, oy, as, os] of rows) {
          expect(by).toBeGreaterThanOrEqual(0);
          expect(by).toBeLessThanOrEqual(PONG_SIZE);
          for (const y of [ay, oy]) expect(y).toBeGreaterThanOrEqual(0), expect(y).toBeLessThanOrEqual(PONG_SIZE - 12);
          expect(as + os).toBeLessThanOrEqual(5);
        }
        // Scores never go down within a clip (a clip ends with its game).
        for (let i = 1; i < rows.length; i++) expect(rows[i][4] + rows[i][5]).toBeGreaterThanOrEqual(rows[i - 1][4] + rows[i - 1][5]);
      }
      // The clip is a game being played: the agent's paddle moves.
      expect(new Set(clips.flatMap((c) => Array.from({ length: c.steps }, (_, i) => c.frames[i * PONG_CLIP_FIELDS + 2]))).size).toBeGreaterThan(1);
    };
    const here: PongClip[] = [];
    const plain = await trainPong(cfg);
    const watched = await trainPong({ ...cfg, onClip: (c) => here.push(c), clipEveryMs: 1, clipSteps: 40 });
    check(here);
    expect(watched.state.policy).toEqual(plain.state.policy);
    const there: PongClip[] = [];
    const inWorker = await trainPongInWorker({ ...cfg, onClip: (c) => there.push(c), clipEveryMs: 1, clipSteps: 40 });
    check(there);
    expect(inWorker.state.policy).toEqual(plain.state.policy);
    await expect(trainPong({ ...cfg, onClip: () => undefined, clipSteps: 0 })).rejects.toThrow(/trainPong: clipSteps must be a positive integer, got 0/);
    // drawPong paints the court from recorded positions alone.
    const calls: number[][] = [];
    drawPong({ canvas: { width: 160, height: 160 }, fillStyle: '', fillRect: (...a: number[]) => void calls.push(a) }, { ballX: 10, ballY: 20, agentY: 30, opponentY: 40 }, 12);
    expect(calls).toEqual([[0, 0, 160, 160], [8, 80, 4, 24], [148, 60, 4, 24], [20, 40, 4, 4]]);
  });

  it('evaluates a saved agent reproducibly, and refuses an environment that does not fit', async () => {
    const { state } = await trainPong({ episodes: 2, env: { pointsToWin: 3 } });
    const a = evaluatePong(state, { pointsToWin: 3, games: 2, greedy: true });
    expect(evaluatePong(state, { pointsToWin: 3, games: 2, greedy: true })).toEqual(a);
    expect(a.wins + a.losses).toBeGreaterThanOrEqual(6);
    const agent = Reinforce.fromState(state);
    expect(() => agent.trainEpisodes([new Pong({ observation: 'pixels' })])).toThrow(/Reinforce.trainEpisodes: an environment gives 6400 observations and 3 actions, the policy takes 8 and 3/);
    await expect(trainPong({ episodes: 1, resume: state, env: { observation: 'pixels' } })).rejects.toThrow(/trainPong: the resumed policy takes 8 inputs/);
    agent.dispose();
  });

  it('rejects bad options and observations', () => {
    expect(() => new Reinforce(8, 1)).toThrow(/Reinforce: actionCount must be at least 2, got 1/);
    expect(() => new Reinforce(8, 3, { gamma: 1.5 })).toThrow(/Reinforce: gamma must be in \[0, 1\], got 1.5/);
    expect(() => new Reinforce(8, 3, { algorithm: 'ppo' as 'a2c' })).toThrow(/algorithm must be 'reinforce' or 'a2c'/);
    expect(() => new Reinforce(8, 3, { sparseInput: 1 as unknown as boolean })).toThrow(/Reinforce: sparseInput must be a boolean, got 1/);
    const a = new Reinforce(8, 3);
    expect(() => a.act(new Float32Array(5))).toThrow(/Reinforce.act: observation has 5 values, the policy expects 8/);
    a.dispose();
  });
});
