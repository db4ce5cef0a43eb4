/**
 * Clips of training games for a person to watch. Training runs thousands of steps a second, far
 * faster than anyone can follow, and a snapshot now and then shows nothing of how the agent plays;
 * so every `everyMs` the next `steps` steps of one game are recorded (positions and score after
 * each step) and handed over in one message, for a page to replay at human speed while training
 * goes on at full speed. Between clips nothing is recorded or sent.
 */
import { KnobsError } from '../errors.js';
import type { Pong, PongStep } from './pong.js';
import type { Env } from './reinforce.js';

/** Numbers per step in PongClip.frames: ballX, ballY, agentY, opponentY, agentScore, opponentScore. */
export const PONG_CLIP_FIELDS = 6;

export interface PongClip {
  /** The training episode the clip comes from, counted like PongProgress.episode. */
  episode: number;
  paddleHeight: number;
  steps: number;
  /** `steps` rows of PONG_CLIP_FIELDS numbers (court units, top-left corners, as Pong.positions). */
  frames: Float32Array;
}

export interface PongClipOptions {
  /** Time from the end of one clip to the start of the next (ms). */
  everyMs: number;
  /** Steps per clip; a clip also ends with its game. */
  steps: number;
}

/** Wraps one game of a training batch: plays it unchanged and records a clip when one is due. */
export class PongClipRecorder implements Env {
  readonly observationSize: number;
  readonly actionCount: number;
  /** Set by the training loop before each batch: the episode this game plays. */
  episode = 0;
  private readonly buf: Float32Array;
  private n = 0;
  private recording = false;
  private lastEnd = -Infinity;

  constructor(readonly pong: Pong, private readonly onClip: (clip: PongClip) => void, private readonly opts: PongClipOptions) {
    for (const [name, v] of [['clipEveryMs', opts.everyMs], ['clipSteps', opts.steps]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`trainPong: ${name} must be a positive integer, got ${v}`);
    }
    this.observationSize = pong.observationSize;
    this.actionCount = pong.actionCount;
    this.buf = new Float32Array(opts.steps * PONG_CLIP_FIELDS);
  }

  reset(seed?: number): Float32Array {
    this.flush();
    return this.pong.reset(seed);
  }

  step(action: number): PongStep {
    const r = this.pong.step(action);
    if (!this.recording && performance.now() - this.lastEnd >= this.opts.everyMs) this.recording = true;
    if (this.recording) {
      const p = this.pong.positions;
      this.buf.set([p.ballX, p.ballY, p.agentY, p.opponentY, r.info.agentScore, r.info.opponentScore], this.n * PONG_CLIP_FIELDS);
      if (++this.n === this.opts.steps || r.done) this.flush();
    }
    return r;
  }

  private flush(): void {
    if (!this.recording) return;
    this.recording = false;
    this.lastEnd = performance.now();
    if (this.n === 0) return;
    const steps = this.n;
    this.n = 0;
    this.onClip({ episode: this.episode, paddleHeight: this.pong.paddleHeight, steps, frames: this.buf.slice(0, steps * PONG_CLIP_FIELDS) });
  }
}
