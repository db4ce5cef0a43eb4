/**
 * Pong from the state observation (or, with --pixels, from 80×80 frame differences): REINFORCE
 * (or A2C) with RMSprop on the classic 200-hidden-unit policy network, against the built-in
 * opponent. Prints the curve: points won per block of episodes (games to 21) while training, and
 * a final evaluation of the greedy and the sampling policy.
 *
 *   npm run example -- pong [--minutes 4] [--episodes 100000] [--every 50] [--lr 0.003]
 *                           [--algorithm reinforce|a2c] [--seed 1] [--worker] [--save state.json]
 *                           [--resume state.json] [--pixels] [--envs 1]
 *
 * --worker trains in a worker thread (the same code path a browser page uses); --save writes the
 * agent's state (policy, optimizer, sampling stream) as JSON and --resume continues from it.
 * --envs n plays n games at once and learns from them in one update (one forward pass acts in
 * all n games).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { init } from '../ts/index.js';
import { evaluatePong, trainPong, trainPongInWorker, type PongProgress, type PongTrainConfig } from '../ts/rl/index.js';
import type { ReinforceState } from '../ts/rl/reinforce.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '4' },
    episodes: { type: 'string', default: '100000' },
    every: { type: 'string', default: '50' },
    lr: { type: 'string', default: '0.003' },
    algorithm: { type: 'string', default: 'reinforce' },
    seed: { type: 'string', default: '1' },
    worker: { type: 'boolean', default: false },
    save: { type: 'string' },
    resume: { type: 'string' },
    pixels: { type: 'boolean', default: false },
    envs: { type: 'string', default: '1' },
  },
});

/** Float32Arrays do not survive JSON: the state's weights are stored as plain arrays. */
function toJson(state: ReinforceState): string {
  return JSON.stringify(state, (_, v) => (v instanceof Float32Array ? { f32: Array.from(v) } : v));
}
function fromJson(text: string): ReinforceState {
  return JSON.parse(text, (_, v) => (v && typeof v === 'object' && Array.isArray(v.f32) ? Float32Array.from(v.f32) : v));
}

await init();
const every = Number(values.every);
// Pixel episodes are stacked for the backward pass (6400 values a step): cap their length lower.
const env = values.pixels
  ? { seed: Number(values.seed), maxSteps: 2500, observation: 'pixels' as const, frameDiff: true }
  : { seed: Number(values.seed), maxSteps: 5000 };
const config: PongTrainConfig = {
  episodes: Number(values.episodes),
  envs: Number(values.envs),
  env,
  // From pixels the first layer takes the frame differences' nonzeros (a few dozen of 6400).
  agent: { seed: Number(values.seed), lr: Number(values.lr), algorithm: values.algorithm as 'reinforce' | 'a2c', sparseInput: values.pixels },
  resume: values.resume ? fromJson(readFileSync(values.resume, 'utf8')) : undefined,
  // A checkpoint with every printed block, to score the greedy policy on one game.
  checkpointEvery: every,
};
const evalGames = { ...env, seed: 12345, maxSteps: 20_000 };
const controller = new AbortController();
const timer = setTimeout(() => controller.abort(), Number(values.minutes) * 60_000);
let won = 0, lost = 0;
const onProgress = (p: PongProgress) => {
  won += p.wins;
  lost += p.losses;
  if (p.episode % every === 0) {
    const pct = ((100 * won) / Math.max(1, won + lost)).toFixed(0);
    const g = p.state ? evaluatePong(p.state, { ...evalGames, greedy: true }) : null;
    const greedy = g ? `   greedy game ${g.wins}–${g.losses}` : '';
    // CPU seconds of this process (all threads) next to wall seconds: on a shared machine they differ a lot.
    const usage = process.cpuUsage();
    const cpu = (usage.user + usage.system) / 1e6;
    console.log(`episodes ${String(p.episode - every + 1).padStart(5)}–${String(p.episode).padEnd(5)} points won ${String(won).padStart(4)}/${String(won + lost).padEnd(4)} ${pct.padStart(3)}%${greedy}   ${(p.elapsedMs / 1000).toFixed(0)} s (cpu ${cpu.toFixed(0)} s), ${p.stepsPerSecond.toFixed(0)} steps/s`);
    won = lost = 0;
  }
};
console.log(`Pong from ${values.pixels ? 'pixels (frame differences)' : 'state'}: ${config.agent!.algorithm}, lr ${config.agent!.lr}, ${config.envs} game(s) per update, ${values.worker ? 'in a worker' : 'on the main thread'}, for ${values.minutes} min`);
const result = values.worker ? await trainPongInWorker({ ...config, signal: controller.signal }, onProgress) : await trainPong(config, onProgress, controller.signal);
clearTimeout(timer);
const greedy = evaluatePong(result.state, { ...evalGames, games: 3, greedy: true });
const sampled = evaluatePong(result.state, { ...evalGames, games: 3 });
console.log(`after ${result.state.episodes} episodes: greedy policy wins ${greedy.wins}/${greedy.wins + greedy.losses} points (${(100 * greedy.winRate).toFixed(0)}%), sampling policy ${sampled.wins}/${sampled.wins + sampled.losses} (${(100 * sampled.winRate).toFixed(0)}%) over 3 games to 21`);
if (values.save) {
  writeFileSync(values.save, toJson(result.state));
  console.log(`saved the agent to ${values.save}`);
}
