/**
 * Policy gradient for discrete actions: REINFORCE with discounted returns and normalised
 * advantages on the classic 200-hidden-unit policy network, trained with RMSprop (Karpathy's
 * "Pong from pixels"), and an actor-critic variant (A2C: a value network as baseline and n-step
 * bootstrapped returns). Acting runs the policy once per step, without a graph, for all the games
 * in play, and keeps each step's hidden layer and logits; learning stacks the episodes and runs
 * one backward over them from what acting kept (pg-pong keeps the hidden layer; the policy does
 * not run again), one matmul per layer, not one per frame. With sparseInput the first layer sees
 * only the observations' nonzeros.
 */
import { noGrad, record } from '../autograd.js';
import { KnobsError } from '../errors.js';
import { Linear, ReLU, Sequential } from '../nn/layers.js';
import type { StateDict } from '../nn/module.js';
import { relu } from '../ops/activations.js';
import { linear, linearBackward } from '../ops/dense.js';
import { mseLoss } from '../ops/losses.js';
import { SparseCsr, sparseCsrTensor, sparseMmBackward, toSparseCsr } from '../ops/sparse.js';
import { RMSprop } from '../optim/optimizers.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { Rng } from '../random.js';
import { tidy } from '../scope.js';
import { Tensor, empty, tensor } from '../tensor.js';
import { Categorical, sampleLogProbs } from './categorical.js';
import { PolicyForward } from './policy-forward.js';

/** What the agent needs from an environment (Pong, or any Gym-style discrete-action one). */
export interface Env {
  readonly observationSize: number;
  readonly actionCount: number;
  reset(seed?: number): Float32Array;
  step(action: number): { observation: Float32Array; reward: number; done: boolean };
}

export interface ReinforceOptions {
  /** Hidden units of the policy (and value) network. */
  hidden?: number;
  lr?: number;
  /** RMSprop's decay of the squared-gradient average (its `alpha`). */
  decay?: number;
  /** Discount factor of the returns. */
  gamma?: number;
  /**
   * Restart the discounted sum at every nonzero reward. Right for Pong, where a reward ends a
   * rally and says nothing about the actions of the next one (as in "Pong from pixels").
   */
  resetAtReward?: boolean;
  /** Weight of an entropy bonus that keeps the policy exploring (0: plain REINFORCE). */
  entropyCoef?: number;
  /** 'reinforce' (default) or 'a2c': advantage = n-step bootstrapped return − V(s). */
  algorithm?: 'reinforce' | 'a2c';
  /** A2C: steps before the return is bootstrapped from the value network. */
  nSteps?: number;
  /** A2C: weight of the value loss. */
  valueCoef?: number;
  /** Seeds the network's initial weights and the action sampling. */
  seed?: number;
  /**
   * Feed the first layer the observations' nonzeros only (SparseCsr, nn.Linear's sparse path):
   * the same results as dense, at a cost proportional to the nonzeros. For Pong's frame
   * differences (a few dozen nonzeros of 6400) it is what makes learning from pixels fast.
   */
  sparseInput?: boolean;
}

export interface EpisodeStats {
  /** Sum of rewards over the episode. */
  reward: number;
  steps: number;
  /** Rewards above 0 (points won, in Pong) and below 0 (points lost). */
  wins: number;
  losses: number;
  /** The policy loss of the update (before it was applied). */
  loss: number;
}

/** Everything needed to resume training exactly where it stopped. */
export interface ReinforceState {
  options: Required<ReinforceOptions>;
  observationSize: number;
  actionCount: number;
  policy: StateDict;
  optimizer: OptimizerState;
  value: StateDict | null;
  valueOptimizer: OptimizerState | null;
  rng: [number, number, number, number];
  episodes: number;
}

function mlp(inputs: number, hidden: number, outputs: number, seed: number): Sequential {
  return new Sequential(new Linear(inputs, hidden, { seed }), new ReLU(), new Linear(hidden, outputs, { seed: seed + 1 }));
}

/** net.forward(x) for the mlp above, also on sparse input (nn.Linear's sparse path, then ReLU and the output layer). */
function mlpForward(net: Sequential, x: Tensor | SparseCsr): Tensor {
  if (!(x instanceof SparseCsr)) return net.forward(x);
  return (net.layers[2] as Linear).forward(relu((net.layers[0] as Linear).forward(x)));
}

interface CsrArrays {
  crowIndices: Int32Array;
  colIndices: Int32Array;
  values: Float32Array;
}
/** What acting keeps for the update: every step's hidden layer and logits and, with sparseInput, its nonzeros. */
interface Kept {
  hidden: Float32Array;
  logits: Float32Array;
  csr?: CsrArrays;
  /** Row of x (and of hidden) of each step of the stacked episodes. */
  rowOf: Int32Array;
}

function check(name: string, v: number, lo: number, hi: number, loOpen: boolean, hiOpen: boolean): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) throw new KnobsError(`Reinforce: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
}

export class Reinforce {
  readonly options: Required<ReinforceOptions>;
  readonly policy: Sequential;
  readonly optimizer: RMSprop;
  /** A2C only: the state-value network V(s). */
  readonly value: Sequential | null;
  readonly valueOptimizer: RMSprop | null;
  readonly rng: Rng;
  episodes = 0;
  /** The policy's two Linear layers (policy = l1, ReLU, l2). */
  private readonly l1: Linear;
  private readonly l2: Linear;
  /** Acting's forward pass on dense observations (sparse ones take the eager ops). */
  private readonly acting: PolicyForward;
  /**
   * What trainEpisodes appends while acting, kept from one update to the next: a fresh array
   * per update (2 MB of hidden layers for ten 200-step games) cost its zeroing and the garbage
   * collector about a tenth of the update.
   */
  private readonly rollout = { obs: new Growable(f32), cols: new Growable(i32), vals: new Growable(f32), rowNnz: new Growable(i32), hidden: new Growable(f32), logits: new Growable(f32) };

  constructor(readonly observationSize: number, readonly actionCount: number, opts: ReinforceOptions = {}) {
    const o: Required<ReinforceOptions> = {
      hidden: opts.hidden ?? 200,
      lr: opts.lr ?? 1e-3,
      decay: opts.decay ?? 0.99,
      gamma: opts.gamma ?? 0.99,
      resetAtReward: opts.resetAtReward ?? true,
      entropyCoef: opts.entropyCoef ?? 0,
      algorithm: opts.algorithm ?? 'reinforce',
      nSteps: opts.nSteps ?? 20,
      valueCoef: opts.valueCoef ?? 0.5,
      seed: opts.seed ?? 0,
      sparseInput: opts.sparseInput ?? false,
    };
    for (const [n, v] of [['observationSize', observationSize], ['actionCount', actionCount], ['hidden', o.hidden], ['nSteps', o.nSteps]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`Reinforce: ${n} must be a positive integer, got ${v}`);
    }
    if (actionCount < 2) throw new KnobsError(`Reinforce: actionCount must be at least 2, got ${actionCount}`);
    check('lr', o.lr, 0, Infinity, true, true);
    check('decay', o.decay, 0, 1, false, true);
    check('gamma', o.gamma, 0, 1, false, false);
    check('entropyCoef', o.entropyCoef, 0, Infinity, false, true);
    check('valueCoef', o.valueCoef, 0, Infinity, false, true);
    if (typeof o.sparseInput !== 'boolean') throw new KnobsError(`Reinforce: sparseInput must be a boolean, got ${JSON.stringify(o.sparseInput)}`);
    if (o.algorithm !== 'reinforce' && o.algorithm !== 'a2c') throw new KnobsError(`Reinforce: algorithm must be 'reinforce' or 'a2c', got '${o.algorithm}'`);
    this.options = o;
    this.policy = mlp(observationSize, o.hidden, actionCount, o.seed);
    this.l1 = this.policy.layers[0] as Linear;
    this.l2 = this.policy.layers[2] as Linear;
    this.acting = new PolicyForward(this.l1, this.l2);
    this.optimizer = new RMSprop(this.policy.parameters(), { lr: o.lr, alpha: o.decay });
    if (o.algorithm === 'a2c') {
      this.value = mlp(observationSize, o.hidden, 1, o.seed + 2);
      this.valueOptimizer = new RMSprop(this.value.parameters(), { lr: o.lr, alpha: o.decay });
    } else {
      this.value = this.valueOptimizer = null;
    }
    this.rng = new Rng(o.seed + 3);
  }

  /** Samples an action for one observation (greedy: the most probable one, for evaluation). */
  act(observation: Float32Array, greedy = false): number {
    return this.actBatch(observation, 1, greedy)[0];
  }

  /**
   * Actions for n observations stacked row after row: one forward pass for all of them (a matmul
   * instead of n vector products), then one sample per row in order.
   */
  actBatch(observations: Float32Array, n: number, greedy = false): Int32Array {
    return this.actAndKeep(observations, n, greedy, null);
  }

  /**
   * actBatch, handing each row's hidden layer and logits (and, with sparseInput, its nonzeros) to
   * `keep`, so that the update reuses them instead of running the policy again (pg-pong keeps the
   * hidden layer; the logits are the output layer's, computed from the same weights).
   */
  private actAndKeep(observations: Float32Array, n: number, greedy: boolean, keep: ((hidden: Float32Array, logits: Float32Array, csr: CsrArrays | null) => void) | null): Int32Array {
    const d = this.observationSize;
    if (!Number.isInteger(n) || n <= 0 || observations.length !== n * d) {
      throw new KnobsError(`Reinforce.act: observation has ${observations.length} values, the policy expects ${n === 1 ? d : `${n}×${d}`}`);
    }
    if (!this.options.sparseInput) {
      const { hidden, logits, logProbs } = this.acting.run(observations, n);
      if (keep) keep(hidden, logits, null);
      return this.pick(logProbs, n, greedy);
    }
    return noGrad(() =>
      tidy(() => {
        const csr = toSparseCsr(tensor(observations, [n, d]));
        const h = relu(this.l1.forward(csr));
        const z = this.l2.forward(h);
        const dist = new Categorical({ logits: z });
        if (keep) keep(h.data, z.data, csr.toArrays());
        return this.pick(dist.logits.data, n, greedy);
      }),
    );
  }

  /** An action per row of log-probabilities [n, actions]: sampled, or the most probable one. */
  private pick(logProbs: Float32Array, n: number, greedy: boolean): Int32Array {
    if (!greedy) return sampleLogProbs(logProbs, n, this.actionCount, this.rng);
    const k = this.actionCount;
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logProbs[r * k + j] > logProbs[r * k + best]) best = j;
      out[r] = best;
    }
    return out;
  }

  /** Plays one episode with the current policy, then learns from it (one update). A seed resets the env's stream. */
  trainEpisode(env: Env, seed?: number): EpisodeStats {
    return this.trainEpisodes([env], seed === undefined ? undefined : [seed])[0];
  }

  /**
   * Plays one episode in each environment at the same time (the policy acts on all of them in one
   * forward pass), then learns from all of them in one update: advantages are normalised over the
   * batch, as with the classic batch of episodes per update. Returns each episode's stats.
   */
  trainEpisodes(envs: readonly Env[], seeds?: readonly number[]): EpisodeStats[] {
    const d = this.observationSize;
    if (envs.length === 0) throw new KnobsError('Reinforce.trainEpisodes: no environments');
    if (seeds && seeds.length !== envs.length) throw new KnobsError(`Reinforce.trainEpisodes: ${seeds.length} seeds for ${envs.length} environments`);
    for (const e of envs) {
      if (e.observationSize !== d || e.actionCount !== this.actionCount) {
        throw new KnobsError(`Reinforce.trainEpisodes: an environment gives ${e.observationSize} observations and ${e.actionCount} actions, the policy takes ${d} and ${this.actionCount}`);
      }
    }
    const sparse = this.options.sparseInput;
    // The update's rows are kept in the order they were acted on (step by step, the live games
    // of each step together), so every step appends one block: its observations (dense) or
    // nonzeros (sparse), its hidden layer and its logits as computed while acting. Rewards and actions stay
    // per game, for the returns; rowOf maps each game's steps to their rows.
    const { obs, cols, vals, rowNnz, hidden, logits } = this.rollout;
    for (const g of [obs, cols, vals, rowNnz, hidden, logits]) g.length = 0;
    const rowIds: number[][] = envs.map(() => []);
    const acts: number[][] = envs.map(() => []);
    const rews: number[][] = envs.map(() => []);
    let current = envs.map((e, i) => e.reset(seeds?.[i]));
    let live = envs.map((_, i) => i);
    const batch = new Float32Array(envs.length * d);
    let rows = 0;
    const keep = (h: Float32Array, z: Float32Array, csr: CsrArrays | null) => {
      hidden.push(h);
      logits.push(z);
      if (csr) {
        cols.push(csr.colIndices);
        vals.push(csr.values);
        for (let j = 0; j < live.length; j++) rowNnz.pushOne(csr.crowIndices[j + 1] - csr.crowIndices[j]);
      }
    };
    while (live.length > 0) {
      const n = live.length;
      for (let j = 0; j < n; j++) batch.set(current[live[j]], j * d);
      const x = batch.subarray(0, n * d);
      if (!sparse) obs.push(x);
      const a = this.actAndKeep(x, n, false, keep);
      const next: number[] = [];
      for (let j = 0; j < n; j++) {
        const e = live[j];
        const r = envs[e].step(a[j]);
        rowIds[e].push(rows++);
        acts[e].push(a[j]);
        rews[e].push(r.reward);
        current[e] = r.observation;
        if (!r.done) next.push(e);
      }
      live = next;
    }
    const lengths = acts.map((x) => x.length);
    const T = rows;
    // The games' steps stacked game after game, by plain loops: flat() and TypedArray.from(iterable)
    // took longer than the whole update's arithmetic.
    const rowOf = new Int32Array(T), actions = new Int32Array(T), rewards = new Float32Array(T);
    for (let e = 0, t = 0; e < envs.length; e++) {
      const [ids, as, rs] = [rowIds[e], acts[e], rews[e]];
      for (let i = 0; i < ids.length; i++, t++) {
        rowOf[t] = ids[i];
        actions[t] = as[i];
        rewards[t] = rs[i];
      }
    }
    const kept: Kept = { hidden: hidden.view(), logits: logits.view(), rowOf };
    if (sparse) {
      const counts = rowNnz.view();
      const crow = new Int32Array(T + 1);
      for (let r = 0; r < T; r++) crow[r + 1] = crow[r] + counts[r];
      kept.csr = { crowIndices: crow, colIndices: cols.view(), values: vals.view() };
    }
    const loss = this.learn(sparse ? new Float32Array(0) : obs.view(), actions, rewards, lengths, kept);
    this.episodes += envs.length;
    return rews.map((r, i) => {
      let reward = 0, wins = 0, losses = 0;
      for (const v of r) {
        reward += v;
        if (v > 0) wins++;
        else if (v < 0) losses++;
      }
      return { reward, steps: lengths[i], wins, losses, loss };
    });
  }

  /**
   * Discounted return of every step, restarting at rewards when resetAtReward is set and at the
   * end of every episode (`lengths`: the episodes stacked in `rewards`, default one).
   */
  discountedReturns(rewards: ArrayLike<number>, lengths: readonly number[] = [rewards.length]): Float32Array {
    const { gamma, resetAtReward } = this.options;
    const out = new Float32Array(rewards.length);
    const ends = new Set(episodeEnds(lengths));
    let run = 0;
    for (let i = rewards.length - 1; i >= 0; i--) {
      if (ends.has(i) || (resetAtReward && rewards[i] !== 0)) run = 0;
      run = run * gamma + rewards[i];
      out[i] = run;
    }
    return out;
  }

  /**
   * One learning step from finished episodes stacked step after step: observations [T·d],
   * actions [T], rewards [T], and the episodes' lengths (default: one episode). Returns the loss.
   */
  update(observations: Float32Array, actions: Int32Array, rewards: Float32Array, lengths: readonly number[] = [actions.length]): number {
    const T = actions.length;
    const d = this.observationSize;
    if (T === 0 || observations.length !== T * d || rewards.length !== T || lengths.reduce((a, b) => a + b, 0) !== T || lengths.some((n) => !Number.isInteger(n) || n <= 0)) {
      throw new KnobsError(`Reinforce.update: ${observations.length} observation values, ${T} actions, ${rewards.length} rewards and episode lengths [${lengths.join(', ')}] do not describe episodes of observations of size ${d}`);
    }
    return this.learn(observations, actions, rewards, lengths, null);
  }

  /** update(), reusing what acting kept (hidden layers; nonzeros with sparseInput) when given. */
  private learn(observations: Float32Array, actions: Int32Array, rewards: Float32Array, lengths: readonly number[], kept: Kept | null): number {
    const T = actions.length;
    const d = this.observationSize;
    const H = this.options.hidden;
    const sparse = this.options.sparseInput;
    // Episodes have every length, and the allocator keeps a free list per block size: padding
    // to a few bucketed lengths lets the blocks of one episode be reused by the next instead of
    // piling up. Padded rows have advantage 0 (and A2C value targets equal to their prediction), so
    // they add exactly nothing to any gradient; sums are divided by the true length T.
    const P = paddedLength(T);
    // Byte offsets into wasm memory are u32: the stacked batch must fit below 4 GiB.
    if (P * Math.max(kept?.csr ? 0 : d, H) * 4 >= 2 ** 32) {
      throw new KnobsError(`Reinforce.update: ${T} steps of ${d} values are too many for one update (wasm memory is 4 GiB); use fewer games per update or a lower maxSteps`);
    }
    // Row r of x and of the hidden layer holds step t of the stacked episodes where rowOf[t] = r.
    const rowOf = kept ? kept.rowOf : null;
    const acts = new Int32Array(P);
    if (rowOf) for (let t = 0; t < T; t++) acts[rowOf[t]] = actions[t];
    else acts.set(actions);
    const loss = tidy(() => {
      let x: Tensor | SparseCsr;
      if (kept?.csr) {
        const c = kept.csr;
        const crow = new Int32Array(P + 1);
        crow.set(c.crowIndices);
        crow.fill(c.values.length, T + 1);
        x = sparseCsrTensor(crow, c.colIndices, c.values, [P, d]);
      } else {
        x = paddedTensor(observations, P, d);
        if (sparse) x = toSparseCsr(x);
      }
      const perStep = this.options.algorithm === 'a2c' ? this.a2cAdvantages(x, rewards, lengths, P, rowOf) : this.discountedReturns(rewards, lengths);
      normalise(perStep);
      const adv = new Float32Array(P);
      if (rowOf) for (let t = 0; t < T; t++) adv[rowOf[t]] = perStep[t];
      else adv.set(perStep);
      const dist = new Categorical({ logits: this.outputLayer(this.hiddenLayer(x, kept ? kept.hidden : null, P), kept ? kept.logits : null, P) });
      // Policy gradient: raise log π(a|s) in proportion to how much better than usual a turned out.
      let objective = dist.logProb(acts).mul(tensor(adv, [P])).sum().mul(1 / T);
      if (this.options.entropyCoef > 0) {
        const mask = new Float32Array(P);
        mask.fill(1, 0, T);
        objective = objective.add(dist.entropy().mul(tensor(mask, [P])).sum().mul(this.options.entropyCoef / T));
      }
      const lossT = objective.neg();
      lossT.backward();
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return lossT.item();
    });
    return loss;
  }

  /**
   * The policy's hidden layer relu(x·W1 + b1) for P rows. With `cached` (the first T rows as
   * computed while acting; padded rows are zero) the layer does not run again: the cached values
   * are recorded as its output, so backward still reaches W1 and b1 (pg-pong's cached hidden layer).
   */
  private hiddenLayer(x: Tensor | SparseCsr, cached: Float32Array | null, P: number): Tensor {
    const { weight, bias } = this.l1;
    if (!cached) return x instanceof SparseCsr ? relu(this.l1.forward(x)) : linear(x, weight, bias, 'relu');
    const h = paddedTensor(cached, P, this.options.hidden);
    const params = [weight, bias!];
    if (x instanceof SparseCsr) return relu(record(h, params, (g) => sparseMmBackward(x, g, weight, bias)));
    // relu's mask comes from the output h itself (h > 0 exactly where x·W1 + b1 > 0).
    return record(h, params, (g) => linearBackward(x, weight, bias, h, g, 'relu'));
  }

  /**
   * The policy's logits h·W2 + b2 for P rows; with `cached` (the first T rows as computed while
   * acting, from the same weights, so the same bits) recorded as the layer's output instead of
   * run again. Its padded rows are zero, not b2: their gradient is exactly zero either way.
   */
  private outputLayer(h: Tensor, cached: Float32Array | null, P: number): Tensor {
    if (!cached) return this.l2.forward(h);
    const { weight, bias } = this.l2;
    const z: Tensor = record(paddedTensor(cached, P, this.actionCount), [h, weight, bias!], (g) => linearBackward(h, weight, bias, z, g));
    return z;
  }

  /**
   * A2C's advantages: n-step returns bootstrapped from V (zero past a reward when resetAtReward,
   * as the rally is over) minus V(s). Also takes the value network's regression step.
   */
  private a2cAdvantages(x: Tensor | SparseCsr, rewards: Float32Array, lengths: readonly number[], padded: number, rowOf: Int32Array | null): Float32Array {
    const { gamma, nSteps, resetAtReward, valueCoef } = this.options;
    const T = rewards.length;
    const vRows = noGrad(() => mlpForward(this.value!, x).toFloat32Array());
    // V per step of the stacked episodes (x's rows may be in another order: rowOf).
    const v = rowOf ? Float32Array.from(rowOf, (r) => vRows[r]) : vRows;
    const targets = new Float32Array(T);
    let end = 0;
    const ends = episodeEnds(lengths);
    for (let t = 0; t < T; t++) {
      // The episode this step belongs to ends (exclusively) at `end`; nothing is bootstrapped across it.
      while (t >= end) end = ends.shift()! + 1;
      let g = 0, disc = 1, k = 0, ended = false;
      for (; k < nSteps && t + k < end; k++) {
        g += disc * rewards[t + k];
        disc *= gamma;
        if (resetAtReward && rewards[t + k] !== 0) {
          ended = true;
          break;
        }
      }
      // Bootstrap only when the window stopped inside the episode, not at a reward or the end.
      if (!ended && t + k < end) g += disc * v[t + k];
      targets[t] = g;
    }
    // Regression targets in x's row order; padded rows regress onto their own prediction: zero
    // error, zero gradient.
    const rowTargets = vRows.slice();
    for (let t = 0; t < T; t++) rowTargets[rowOf ? rowOf[t] : t] = targets[t];
    const vPred = mlpForward(this.value!, x);
    mseLoss(vPred, tensor(rowTargets, [padded, 1])).mul((valueCoef * padded) / T).backward();
    this.valueOptimizer!.step();
    this.valueOptimizer!.zeroGrad();
    const adv = new Float32Array(T);
    for (let t = 0; t < T; t++) adv[t] = targets[t] - v[t];
    return adv;
  }

  stateDict(): ReinforceState {
    return {
      options: { ...this.options },
      observationSize: this.observationSize,
      actionCount: this.actionCount,
      policy: this.policy.stateDict(),
      optimizer: this.optimizer.stateDict(),
      value: this.value ? this.value.stateDict() : null,
      valueOptimizer: this.valueOptimizer ? this.valueOptimizer.stateDict() : null,
      rng: this.rng.getState(),
      episodes: this.episodes,
    };
  }

  /** An agent that continues exactly where `state` stopped (same weights, optimizer, sampling stream). */
  static fromState(state: ReinforceState): Reinforce {
    const agent = new Reinforce(state.observationSize, state.actionCount, state.options);
    agent.policy.loadStateDict(state.policy);
    agent.optimizer.loadStateDict(state.optimizer);
    if (agent.value && state.value) agent.value.loadStateDict(state.value);
    if (agent.valueOptimizer && state.valueOptimizer) agent.valueOptimizer.loadStateDict(state.valueOptimizer);
    agent.rng.setState(state.rng);
    agent.episodes = state.episodes;
    return agent;
  }

  dispose(): void {
    this.acting.dispose();
    this.policy.dispose();
    this.optimizer.dispose();
    this.value?.dispose();
    this.valueOptimizer?.dispose();
  }
}

/** Rows of one update (observations, hidden layers, nonzeros) appended into a typed array that
 *  doubles when full; kept between updates, so a steady run stops allocating. */
class Growable<T extends Float32Array | Int32Array> {
  private buf: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.buf = make(4096);
  }
  push(row: ArrayLike<number>): void {
    this.reserve(row.length);
    this.buf.set(row, this.length);
    this.length += row.length;
  }
  pushOne(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  view(): T {
    return this.buf.subarray(0, this.length) as T;
  }
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const b = this.make(Math.max(this.buf.length * 2, this.length + n));
    b.set(this.buf);
    this.buf = b;
  }
}
const f32 = (n: number) => new Float32Array(n);
const i32 = (n: number) => new Int32Array(n);

/** A [P, cols] tensor holding `rows` (row-major) and zeros after them: one copy into wasm. */
function paddedTensor(rows: Float32Array, P: number, cols: number): Tensor {
  const t = empty([P, cols], 'padded');
  const data = t.data;
  data.set(rows);
  data.fill(0, rows.length);
  return t;
}

/** Index of the last step of each of the stacked episodes. */
function episodeEnds(lengths: readonly number[]): number[] {
  let at = -1;
  return lengths.map((n) => (at += n));
}

/** The next length of the form 2^k·{4,5,6,7}/4 (at most 25% padding, few distinct sizes). */
export function paddedLength(n: number): number {
  if (n <= 8) return 8;
  const p = 2 ** Math.floor(Math.log2(n));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) if (p * f >= n) return p * f;
  return 2 * p;
}

/** In place: zero mean, unit variance (left centred only when all values are equal). */
function normalise(a: Float32Array): void {
  let mean = 0;
  for (const v of a) mean += v;
  mean /= a.length;
  let varSum = 0;
  for (const v of a) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / a.length);
  const inv = std > 1e-8 ? 1 / std : 1;
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) * inv;
}
