/**
 * Pong policy-gradient training, frames per second: knobs' rl.Reinforce against the same learner
 * written for TensorFlow.js (the way a tfjs user writes pg-pong: one forward pass and a
 * dataSync per step for all the games in play, then one minimize over the stacked episodes), on
 * the same environment (knobs' Pong) and network (observation → 200 ReLU → 3 softmax, RMSprop lr
 * 1e-3, decay 0.99). Games are cut at exactly 200 steps (maxSteps 200, pointsToWin 1000) so every
 * update sees the same number of frames; scripts/pong-numpy-reference.py times numpy on the same
 * configurations and port of the environment.
 */
import { Rng } from '../ts/index.js';
import { Pong, Reinforce } from '../ts/rl/index.js';
import type { Tf } from './peers.js';

export const PONG_STEPS = 200;
export type PongObservation = 'pixels' | 'state';

export const pongRow = (obs: PongObservation, envs: number) => `pong pg ${obs === 'pixels' ? '6400' : '8'}-200-3 envs${envs}`;

function episodeSeed(envSeed: number, episode: number): number {
  return (Math.imul(envSeed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(episode + 1, 0x85ebca6b)) >>> 0;
}

function games(obs: PongObservation, envs: number): Pong[] {
  return Array.from({ length: envs }, () => new Pong({ seed: 1, observation: obs, frameDiff: obs === 'pixels', maxSteps: PONG_STEPS, pointsToWin: 1000 }));
}

/** Plays one update's games and learns from them; returns the frames played. */
export interface PongTrainer {
  update(): number;
  dispose(): void;
}

export function knobsPongTrainer(obs: PongObservation, envs: number): PongTrainer {
  const g = games(obs, envs);
  // From pixels knobs feeds the first layer the frame differences' nonzeros (sparseInput); numpy
  // and tfjs stay dense, as pg-pong is.
  const agent = new Reinforce(g[0].observationSize, g[0].actionCount, { lr: 1e-3, seed: 1, sparseInput: obs === 'pixels' });
  let episode = 0;
  return {
    update() {
      const stats = agent.trainEpisodes(g, g.map(() => episodeSeed(1, episode++)));
      return stats.reduce((a, s) => a + s.steps, 0);
    },
    dispose: () => agent.dispose(),
  };
}

/** Discounted returns restarted at every point and at each episode's end, normalised (as Reinforce). */
function advantages(rewards: number[], lengths: number[]): Float32Array {
  const out = new Float32Array(rewards.length);
  const ends = new Set<number>();
  lengths.reduce((at, n) => (ends.add(at + n - 1), at + n), 0);
  let run = 0;
  for (let i = rewards.length - 1; i >= 0; i--) {
    if (ends.has(i) || rewards[i] !== 0) run = 0;
    run = run * 0.99 + rewards[i];
    out[i] = run;
  }
  let mean = 0, sq = 0;
  for (const v of out) mean += v / out.length;
  for (const v of out) sq += (v - mean) ** 2 / out.length;
  const sd = Math.sqrt(sq) + 1e-8;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) / sd;
  return out;
}

export function tfPongTrainer(tf: Tf, obs: PongObservation, envs: number): PongTrainer {
  const g = games(obs, envs);
  const d = g[0].observationSize, H = 200, A = 3;
  const init = new Rng(1);
  const normal = (n: number, scale: number) => Float32Array.from({ length: n }, () => (init.next() * 2 - 1) * scale * Math.sqrt(3));
  const W1 = tf.variable(tf.tensor2d(normal(d * H, 1 / Math.sqrt(d)), [d, H]));
  const b1 = tf.variable(tf.zeros([H]));
  const W2 = tf.variable(tf.tensor2d(normal(H * A, 1 / Math.sqrt(H)), [H, A]));
  const b2 = tf.variable(tf.zeros([A]));
  const opt = tf.train.rmsprop(1e-3, 0.99, 0, 1e-8);
  const logits = (x: unknown) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2);
  const rng = new Rng(4);
  let episode = 0;
  return {
    update() {
      const n = g.length;
      const obsRows: Float32Array[][] = g.map(() => []);
      const acts: number[][] = g.map(() => []);
      const rews: number[][] = g.map(() => []);
      const cur = g.map((e) => e.reset(episodeSeed(1, episode++)));
      let live = g.map((_, i) => i);
      const batch = new Float32Array(n * d);
      while (live.length > 0) {
        live.forEach((e, j) => batch.set(cur[e], j * d));
        const p = tf.tidy(() => tf.softmax(logits(tf.tensor2d(batch.subarray(0, live.length * d), [live.length, d])))).dataSync() as Float32Array;
        const next: number[] = [];
        live.forEach((e, j) => {
          const u = rng.next();
          let a = 0;
          for (let c = p[j * A]; a < A - 1 && u >= c; ) c += p[j * A + ++a];
          obsRows[e].push(cur[e]);
          const r = g[e].step(a);
          acts[e].push(a);
          rews[e].push(r.reward);
          cur[e] = r.observation;
          if (!r.done) next.push(e);
        });
        live = next;
      }
      const lengths = acts.map((a) => a.length);
      const T = lengths.reduce((a, b) => a + b, 0);
      const X = new Float32Array(T * d);
      let at = 0;
      for (const rows of obsRows) for (const row of rows) X.set(row, at), (at += d);
      const adv = advantages(rews.flat(), lengths);
      tf.tidy(() => {
        const x = tf.tensor2d(X, [T, d]);
        const onehot = tf.oneHot(tf.tensor1d(Int32Array.from(acts.flat()), 'int32'), A);
        const advT = tf.tensor1d(adv);
        opt.minimize(() => tf.neg(tf.div(tf.sum(tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits(x)), onehot), 1), advT)), T)), false, [W1, b1, W2, b2]);
      });
      return T;
    },
    dispose() {
      for (const v of [W1, b1, W2, b2]) v.dispose();
      opt.dispose();
    },
  };
}
