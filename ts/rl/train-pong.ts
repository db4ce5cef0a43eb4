/**
 * The Pong training loop, shared by the main thread and the RL worker: episodes of REINFORCE (or
 * A2C) with a report per episode, abort between episodes, and resume from a saved state. Each
 * episode's game is seeded from (env seed, episode number), so 10 episodes, or 5 and then 5
 * more resumed from the saved state, give the same agent.
 */
import { KnobsError } from '../errors.js';
import { yieldToEventLoop } from '../train/yield.js';
import { Pong, type PongOptions } from './pong.js';
import { PongClipRecorder, type PongClip } from './pong-clip.js';
import type { Env } from './reinforce.js';
import { Reinforce, type ReinforceOptions, type ReinforceState } from './reinforce.js';

export interface PongTrainConfig {
  /** Episodes (games) to play in this call, counted from the resumed state if any. */
  episodes: number;
  env?: PongOptions;
  agent?: ReinforceOptions;
  /** A state from an earlier result or checkpoint: training continues from it (agent options are ignored). */
  resume?: ReinforceState;
  /** Attach the agent's state to a report whenever the episode count passes a multiple of n, as a checkpoint to save (0: never). */
  checkpointEvery?: number;
  /** Let the event loop run at most this often (ms), so an abort or a page stays responsive. */
  yieldEveryMs?: number;
  /**
   * Games played at the same time and learned from in one update (the batch of episodes). The
   * policy acts on all of them in one forward pass, which matters for pixels. Default 1.
   */
  envs?: number;
  /**
   * Called with clips of the first game of a batch, for watching: every `clipEveryMs` the next
   * `clipSteps` steps' positions and score (see PongClip). trainPongInWorker forwards them from
   * the worker. Without it nothing is recorded.
   */
  onClip?: (clip: PongClip) => void;
  /** Default 2000. */
  clipEveryMs?: number;
  /** Default 150 (5 s of play at 30 steps/s). */
  clipSteps?: number;
}

export interface PongEpisodeLog {
  /** Episodes played by the agent so far, including resumed ones. */
  episode: number;
  reward: number;
  /** Points won and lost in the game. */
  wins: number;
  losses: number;
  steps: number;
  loss: number;
}

export interface PongProgress extends PongEpisodeLog {
  /** Episodes this call will play in all, counted like `episode`. */
  episodes: number;
  elapsedMs: number;
  stepsPerSecond: number;
  state?: ReinforceState;
}

export interface PongTrainResult {
  state: ReinforceState;
  history: PongEpisodeLog[];
  aborted: boolean;
}

/** Whether a multiple of `every` lies in (from, to]. */
function batchHits(from: number, to: number, every: number): boolean {
  return Math.floor(to / every) > Math.floor(from / every);
}

function episodeSeed(envSeed: number, episode: number): number {
  return (Math.imul(envSeed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(episode + 1, 0x85ebca6b)) >>> 0;
}

export async function trainPong(config: PongTrainConfig, onProgress?: (p: PongProgress) => void, signal?: AbortSignal): Promise<PongTrainResult> {
  if (!config || typeof config !== 'object') throw new KnobsError('trainPong: a config { episodes } is required');
  const { episodes, checkpointEvery = 0, yieldEveryMs = 50, envs: nEnvs = 1 } = config;
  if (!Number.isInteger(nEnvs) || nEnvs <= 0) throw new KnobsError(`trainPong: envs must be a positive integer, got ${nEnvs}`);
  if (!Number.isInteger(episodes) || episodes < 0) throw new KnobsError(`trainPong: episodes must be a non-negative integer, got ${episodes}`);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) throw new KnobsError(`trainPong: checkpointEvery must be a non-negative integer, got ${checkpointEvery}`);
  const games: Env[] = Array.from({ length: nEnvs }, () => new Pong(config.env));
  const env = games[0];
  const recorder = config.onClip ? new PongClipRecorder(games[0] as Pong, config.onClip, { everyMs: config.clipEveryMs ?? 2000, steps: config.clipSteps ?? 150 }) : null;
  if (recorder) games[0] = recorder;
  const envSeed = config.env?.seed ?? 0;
  const agent = config.resume ? Reinforce.fromState(config.resume) : new Reinforce(env.observationSize, env.actionCount, config.agent);
  try {
    if (agent.observationSize !== env.observationSize || agent.actionCount !== env.actionCount) {
      throw new KnobsError(`trainPong: the resumed policy takes ${agent.observationSize} inputs and ${agent.actionCount} actions, the environment gives ${env.observationSize} and ${env.actionCount}`);
    }
    const history: PongEpisodeLog[] = [];
    const total = agent.episodes + episodes;
    const t0 = performance.now();
    let lastYield = t0;
    let steps = 0;
    let aborted = false;
    for (let done = 0; done < episodes; ) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      const n = Math.min(nEnvs, episodes - done);
      const first = agent.episodes;
      if (recorder) recorder.episode = first + 1;
      const stats = agent.trainEpisodes(games.slice(0, n), Array.from({ length: n }, (_, k) => episodeSeed(envSeed, first + k)));
      done += n;
      stats.forEach((s, k) => {
        steps += s.steps;
        const log: PongEpisodeLog = { episode: first + k + 1, reward: s.reward, wins: s.wins, losses: s.losses, steps: s.steps, loss: s.loss };
        history.push(log);
        if (onProgress) {
          const elapsedMs = performance.now() - t0;
          // A checkpoint is the state after the whole batch: attach it to the batch's last report.
          const checkpoint = checkpointEvery > 0 && k === n - 1 && batchHits(first, agent.episodes, checkpointEvery);
          onProgress({ ...log, episodes: total, elapsedMs, stepsPerSecond: steps / (elapsedMs / 1000), state: checkpoint ? agent.stateDict() : undefined });
        }
      });
      if (performance.now() - lastYield >= yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (signal?.aborted) aborted = true;
    return { state: agent.stateDict(), history, aborted };
  } finally {
    agent.dispose();
  }
}

/**
 * Points won / points played by a policy state over games of the given environment, sampling
 * actions as in training or (greedy) always playing the most probable one.
 */
export function evaluatePong(state: ReinforceState, env: PongOptions & { games?: number; greedy?: boolean } = {}): { wins: number; losses: number; winRate: number } {
  const { games = 1, greedy = false, ...opts } = env;
  const agent = Reinforce.fromState(state);
  const pong = new Pong(opts);
  let wins = 0, losses = 0;
  try {
    for (let g = 0; g < games; g++) {
      let o = pong.reset(episodeSeed(opts.seed ?? 0, g));
      for (;;) {
        const r = pong.step(agent.act(o, greedy));
        o = r.observation;
        if (r.reward > 0) wins++;
        if (r.reward < 0) losses++;
        if (r.done) break;
      }
    }
  } finally {
    agent.dispose();
  }
  return { wins, losses, winRate: wins + losses > 0 ? wins / (wins + losses) : 0 };
}
