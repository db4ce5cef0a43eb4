/**
 * The Pong page: the agent trains in a worker (rl.trainPongInWorker), which sends clips of its
 * games (positions and score of a few seconds of play); this thread only replays them, one
 * drawing pass per animation frame. Then a person plays the left paddle against the latest
 * checkpoint: that game is stepped here, because it is cheap (a few rectangles, and one 8-200-3
 * forward pass per step for the agent's move).
 */
import { init } from '../ts/index.js';
import * as rl from '../ts/rl/index.js';
import type { PongClip, PongProgress, PongTrainResult, ReinforceState } from '../ts/rl/index.js';
import { formatInt } from './format.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** Replay and play speed: steps per second (two physics ticks each, the default frame-skip). */
const STEPS_PER_SECOND = 30;
const F = rl.PONG_CLIP_FIELDS;
const ENV = { seed: 1 };

type PageState = 'ready' | 'training' | 'stopping' | 'stopped' | 'done' | 'error';
/** What the page is doing, for people (status lines) and for the end-to-end test (window.knobsPong). */
const demo = {
  state: 'ready' as PageState,
  error: '',
  episodes: 0,
  clips: 0,
  /** Replayed steps drawn, and the distinct agent paddle positions among them. */
  framesDrawn: 0,
  agentYs: [] as number[],
  /** Times the replayed score line changed. */
  scoreChanges: 0,
  checkpoints: 0,
  trainStartedAt: NaN,
  trainEndedAt: NaN,
  /** Longest time this thread spent on one message from the worker, and on one drawing pass. */
  maxHandlerMs: 0,
  maxDrawMs: 0,
  result: null as null | { aborted: boolean; episodes: number },
  play: { state: 'off' as 'off' | 'loading' | 'playing' | 'over', steps: 0, you: 0, agent: 0, agentYs: [] as number[], maxStepMs: 0 },
};
(window as unknown as { knobsPong: typeof demo }).knobsPong = demo;

function setState(s: PageState, text: string, isError = false): void {
  demo.state = s;
  document.body.dataset.state = s;
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  $<HTMLButtonElement>('start').disabled = s === 'training' || s === 'stopping';
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
}

function noteDistinct(list: number[], v: number): void {
  if (list.length < 64 && !list.includes(v)) list.push(v);
}

// ---------- watching: clips from the worker, replayed at human speed ----------
let playing: PongClip | null = null;
let queued: PongClip | null = null;
let clipStart = 0;
let shownStep = -1;
let scoreText = '';
const watchCtx = $<HTMLCanvasElement>('watch').getContext('2d')!;

function onClip(c: PongClip): void {
  const t0 = performance.now();
  demo.clips++;
  // Only the newest waits: if clips come faster than they are replayed, older ones are dropped.
  queued = c;
  demo.maxHandlerMs = Math.max(demo.maxHandlerMs, performance.now() - t0);
}

function drawWatch(now: number): void {
  if (!playing || (now - clipStart) * (STEPS_PER_SECOND / 1000) >= playing.steps) {
    if (!queued) return;
    playing = queued;
    queued = null;
    clipStart = now;
    shownStep = -1;
  }
  const i = Math.min(playing.steps - 1, Math.floor((now - clipStart) * (STEPS_PER_SECOND / 1000)));
  if (i === shownStep) return;
  shownStep = i;
  const f = playing.frames.subarray(i * F, (i + 1) * F);
  rl.drawPong(watchCtx, { ballX: f[0], ballY: f[1], agentY: f[2], opponentY: f[3] }, playing.paddleHeight);
  demo.framesDrawn++;
  noteDistinct(demo.agentYs, f[2]);
  const text = `game ${playing.episode}: opponent ${f[5]} – ${f[4]} agent`;
  if (text !== scoreText) {
    scoreText = text;
    demo.scoreChanges++;
    $('watch-score').textContent = text;
  }
}

// ---------- training ----------
let controller: AbortController | null = null;
let latest: ReinforceState | null = null;
const recent: [number, number][] = [];
let pendingStats: PongProgress | null = null;

function onProgress(p: PongProgress): void {
  const t0 = performance.now();
  demo.episodes = p.episode;
  recent.push([p.wins, p.losses]);
  if (recent.length > 50) recent.shift();
  if (p.state) {
    latest = p.state;
    demo.checkpoints++;
  }
  pendingStats = p;
  demo.maxHandlerMs = Math.max(demo.maxHandlerMs, performance.now() - t0);
}

function drawStats(): void {
  const p = pendingStats;
  if (!p) return;
  pendingStats = null;
  const won = recent.reduce((a, r) => a + r[0], 0), played = recent.reduce((a, r) => a + r[0] + r[1], 0);
  $('s-episode').textContent = `${p.episode} / ${p.episodes}`;
  $('s-won').textContent = played ? `${((100 * won) / played).toFixed(0)}%` : '–';
  $('s-rate').textContent = formatInt(p.stepsPerSecond);
  if (demo.state === 'training') setState('training', `Training in the worker: game ${p.episode} of ${p.episodes}`);
  if (latest && demo.play.state === 'off') {
    $<HTMLButtonElement>('play').disabled = false;
    $('play-status').textContent = `Ready: the agent is the checkpoint after game ${latest.episodes}.`;
  }
}

async function start(): Promise<void> {
  const episodes = Math.max(1, Math.round(Number($<HTMLInputElement>('episodes').value)));
  const lr = Number($<HTMLInputElement>('lr').value);
  const envs = Math.max(1, Math.round(Number($<HTMLInputElement>('envs').value)));
  controller = new AbortController();
  recent.length = 0;
  demo.trainStartedAt = performance.now();
  demo.trainEndedAt = NaN;
  demo.result = null;
  setState('training', 'Starting the worker…');
  let result: PongTrainResult;
  try {
    result = await rl.trainPongInWorker(
      { episodes, envs, env: ENV, agent: { lr, seed: 1 }, checkpointEvery: 25, onClip, clipEveryMs: 4000, clipSteps: 150, signal: controller.signal },
      onProgress,
    );
  } catch (e) {
    demo.trainEndedAt = performance.now();
    demo.error = (e as Error).message;
    setState('error', `Training failed: ${(e as Error).message}`, true);
    return;
  }
  demo.trainEndedAt = performance.now();
  latest = result.state;
  demo.result = { aborted: result.aborted, episodes: result.state.episodes };
  pendingStats = null;
  $<HTMLButtonElement>('play').disabled = false;
  if (demo.play.state === 'off') $('play-status').textContent = `Ready: the agent is the one after game ${result.state.episodes}.`;
  setState(result.aborted ? 'stopped' : 'done', `${result.aborted ? 'Stopped' : 'Done'} after ${result.state.episodes} games.`);
}

// ---------- playing against the agent ----------
const keys = { up: false, down: false };
const gameCtx = $<HTMLCanvasElement>('game').getContext('2d')!;
let game: { env: InstanceType<typeof rl.Pong>; agent: InstanceType<typeof rl.Reinforce>; obs: Float32Array; last: number } | null = null;

async function play(): Promise<void> {
  if (!latest) return;
  demo.play.state = 'loading';
  $('play-status').textContent = 'Loading the wasm core on this page…';
  await init();
  game?.agent.dispose();
  const env = new rl.Pong(ENV);
  game = { env, agent: rl.Reinforce.fromState(latest), obs: env.reset(Date.now() >>> 0), last: performance.now() };
  Object.assign(demo.play, { state: 'playing', steps: 0, you: 0, agent: 0 });
  $('play-status').textContent = `Playing against the agent after game ${latest.episodes}.`;
  $('game').focus();
}

function stepGame(now: number): void {
  if (!game || demo.play.state !== 'playing') return;
  // Fixed steps per second whatever the frame rate; a stalled tab does not replay a backlog.
  const due = Math.min(4, Math.floor((now - game.last) * (STEPS_PER_SECOND / 1000)));
  if (due <= 0) return;
  game.last += (due * 1000) / STEPS_PER_SECOND;
  const t0 = performance.now();
  for (let k = 0; k < due; k++) {
    const you = keys.up === keys.down ? 0 : keys.up ? 1 : 2;
    const r = game.env.step(game.agent.act(game.obs, true), you);
    game.obs = r.observation;
    demo.play.steps++;
    demo.play.you = r.info.opponentScore;
    demo.play.agent = r.info.agentScore;
    noteDistinct(demo.play.agentYs, game.env.positions.agentY);
    if (r.done) {
      demo.play.state = 'over';
      $('play-status').textContent = r.info.opponentScore > r.info.agentScore ? 'You won! Play again?' : 'The agent won. Play again?';
      break;
    }
  }
  demo.play.maxStepMs = Math.max(demo.play.maxStepMs, performance.now() - t0);
  game.env.render(gameCtx);
  $('play-score').textContent = `you ${demo.play.you} – ${demo.play.agent} agent`;
}

function keyHandler(down: boolean) {
  return (e: KeyboardEvent) => {
    const k = e.key.toLowerCase();
    if (k === 'arrowup' || k === 'w') keys.up = down;
    else if (k === 'arrowdown' || k === 's') keys.down = down;
    else return;
    if (demo.play.state === 'playing') e.preventDefault();
  };
}

// ---------- one drawing pass per animation frame ----------
function frame(now: number): void {
  const t0 = performance.now();
  drawStats();
  drawWatch(now);
  stepGame(now);
  demo.maxDrawMs = Math.max(demo.maxDrawMs, performance.now() - t0);
  requestAnimationFrame(frame);
}

rl.drawPong(watchCtx, { ballX: 39, ballY: 39, agentY: 34, opponentY: 34 }, 12);
rl.drawPong(gameCtx, { ballX: 39, ballY: 39, agentY: 34, opponentY: 34 }, 12);
window.addEventListener('keydown', keyHandler(true));
window.addEventListener('keyup', keyHandler(false));
$('start').addEventListener('click', () => void start());
$('stop').addEventListener('click', () => {
  setState('stopping', 'Stopping after the current game…');
  controller?.abort();
});
$('play').addEventListener('click', () =>
  void play().catch((e: Error) => {
    demo.play.state = 'off';
    demo.error = e.message;
    $('play-status').textContent = `Could not start the game: ${e.message}`;
  }),
);
requestAnimationFrame(frame);
setState('ready', 'Ready. Start trains the agent from the state (positions and velocities) against the built-in opponent.');
