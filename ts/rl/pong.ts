/**
 * Pong as a Gym-style environment: deterministic for a seed, headless (Node, workers), with a
 * compact state observation and the classic 80×80 binary "Pong from pixels" observation.
 * The agent plays the right paddle; the built-in opponent on the left follows the ball with a
 * speed limit, so fast, steep balls get past it.
 */
import { KnobsError } from '../errors.js';
import { Rng } from '../random.js';

/** 0 = stay, 1 = up, 2 = down (as Atari Pong's NOOP / UP / DOWN). */
export type PongAction = 0 | 1 | 2;
export const PONG_ACTIONS = 3;

export interface PongOptions {
  seed?: number;
  /** 'state': 8 normalised numbers; 'pixels': 80×80 binary frame (6400 numbers, row-major). */
  observation?: 'state' | 'pixels';
  /** Pixels only: return the current frame minus the previous one (the classic motion cue). */
  frameDiff?: boolean;
  /** Physics ticks per step(); the action repeats and the rewards add up. */
  frameSkip?: number;
  /** A game ends when either side reaches this many points. */
  pointsToWin?: number;
  /** Opponent's top speed in court units per tick (the agent's is `paddleSpeed`). */
  opponentSpeed?: number;
  paddleSpeed?: number;
  paddleHeight?: number;
  /** Steps after which a game is cut short (done, with info.truncated), so nothing runs forever. */
  maxSteps?: number;
}

export interface PongInfo {
  agentScore: number;
  opponentScore: number;
  /** Physics ticks since reset. */
  frame: number;
  truncated: boolean;
}

export interface PongStep {
  observation: Float32Array;
  /** +1 when the agent wins a point during the step, −1 when it loses one, else 0. */
  reward: number;
  done: boolean;
  info: PongInfo;
}

/** What render() needs from a CanvasRenderingContext2D (typed structurally: no DOM types needed). */
export interface CanvasLike {
  canvas: { width: number; height: number };
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
}

export const PONG_SIZE = 80;
export const PONG_STATE_SIZE = 8;
const BALL = 2;
const AGENT_X = 74;
const OPPONENT_X = 4;
const PADDLE_W = 2;
const SERVE_SPEED = 1.5;
const MAX_SPEED = 4;
const SPEEDUP = 1.1;
/** Vertical speed given by a hit at the paddle's very edge: where it hits steers the ball. */
const MAX_VY = 2;
/** Seeded noise on every return's vertical speed, so two centred hits cannot rally flat forever. */
const JITTER = 0.6;

/**
 * Draws a court from positions alone (as `positions` gives them, e.g. recorded in a worker and
 * replayed on a page): black background, white ball and paddles, scaled to the canvas.
 */
export function drawPong(ctx: CanvasLike, p: { ballX: number; ballY: number; agentY: number; opponentY: number }, paddleHeight: number): void {
  const sx = ctx.canvas.width / PONG_SIZE, sy = ctx.canvas.height / PONG_SIZE;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(OPPONENT_X * sx, p.opponentY * sy, PADDLE_W * sx, paddleHeight * sy);
  ctx.fillRect(AGENT_X * sx, p.agentY * sy, PADDLE_W * sx, paddleHeight * sy);
  ctx.fillRect(p.ballX * sx, p.ballY * sy, BALL * sx, BALL * sy);
}

// Module-level helpers rather than closures made per step: a step is a few microseconds, and a
// closure per call was a visible share of it in profiles.
const centred = (v: number) => (2 * v) / PONG_SIZE - 1;

/** Sets the pixels of the rectangle (court units, clipped to the court) to 1 in an 80×80 frame. */
function fillRect(out: Float32Array, x: number, y: number, w: number, hgt: number): void {
  const x0 = Math.max(0, Math.floor(x)), x1 = Math.min(PONG_SIZE, Math.ceil(x + w));
  const y0 = Math.max(0, Math.floor(y)), y1 = Math.min(PONG_SIZE, Math.ceil(y + hgt));
  for (let r = y0; r < y1; r++) out.fill(1, r * PONG_SIZE + x0, r * PONG_SIZE + x1);
}

function positive(op: string, name: string, v: number, integer: boolean): number {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new KnobsError(`${op}: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
  return v;
}

export class Pong {
  readonly observationMode: 'state' | 'pixels';
  readonly frameDiff: boolean;
  readonly frameSkip: number;
  readonly pointsToWin: number;
  readonly opponentSpeed: number;
  readonly paddleSpeed: number;
  readonly paddleHeight: number;
  readonly maxSteps: number;
  /** Length of an observation: 8 (state) or 6400 (pixels). */
  readonly observationSize: number;
  readonly actionCount = PONG_ACTIONS;

  private rng: Rng;
  private readonly seed: number;
  private bx = 0;
  private by = 0;
  private vx = 0;
  private vy = 0;
  private ay = 0;
  private avy = 0;
  private oy = 0;
  private ovy = 0;
  private agentScore = 0;
  private opponentScore = 0;
  private frame = 0;
  private steps = 0;
  private done = true;
  private prevFrame: Float32Array | null = null;

  constructor(opts: PongOptions = {}) {
    const op = 'Pong';
    const mode = opts.observation ?? 'state';
    if (mode !== 'state' && mode !== 'pixels') throw new KnobsError(`${op}: observation must be 'state' or 'pixels', got '${mode}'`);
    this.observationMode = mode;
    this.frameDiff = opts.frameDiff ?? false;
    if (this.frameDiff && mode !== 'pixels') throw new KnobsError(`${op}: frameDiff needs observation 'pixels'`);
    this.frameSkip = positive(op, 'frameSkip', opts.frameSkip ?? 2, true);
    this.pointsToWin = positive(op, 'pointsToWin', opts.pointsToWin ?? 21, true);
    this.opponentSpeed = positive(op, 'opponentSpeed', opts.opponentSpeed ?? 1, false);
    this.paddleSpeed = positive(op, 'paddleSpeed', opts.paddleSpeed ?? 2, false);
    this.paddleHeight = positive(op, 'paddleHeight', opts.paddleHeight ?? 12, false);
    if (this.paddleHeight >= PONG_SIZE) throw new KnobsError(`${op}: paddleHeight must be below the court height ${PONG_SIZE}, got ${this.paddleHeight}`);
    this.maxSteps = positive(op, 'maxSteps', opts.maxSteps ?? 100_000, true);
    this.seed = opts.seed ?? 0;
    this.rng = new Rng(this.seed);
    this.observationSize = mode === 'state' ? PONG_STATE_SIZE : PONG_SIZE * PONG_SIZE;
  }

  /** Starts a new game. A seed restarts the environment's random stream (serves, bounce jitter). */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    const mid = (PONG_SIZE - this.paddleHeight) / 2;
    this.ay = this.oy = mid;
    this.avy = this.ovy = 0;
    this.agentScore = this.opponentScore = 0;
    this.frame = this.steps = 0;
    this.done = false;
    this.prevFrame = null;
    this.serve();
    return this.observe();
  }

  /**
   * Plays `action` for the agent. With `opponentAction` the left paddle is played by someone else
   * (a person, at the agent's paddleSpeed) instead of the built-in ball follower.
   */
  step(action: number, opponentAction?: number): PongStep {
    if (action !== 0 && action !== 1 && action !== 2) throw new KnobsError(`Pong.step: action must be 0 (stay), 1 (up) or 2 (down), got ${action}`);
    if (opponentAction !== undefined && opponentAction !== 0 && opponentAction !== 1 && opponentAction !== 2) {
      throw new KnobsError(`Pong.step: opponentAction must be 0 (stay), 1 (up) or 2 (down), got ${opponentAction}`);
    }
    if (this.done) throw new KnobsError('Pong.step: the game is over (or never started); call reset() first');
    let reward = 0;
    for (let i = 0; i < this.frameSkip && reward === 0; i++) reward = this.tick(action, opponentAction);
    this.steps++;
    const won = this.agentScore >= this.pointsToWin || this.opponentScore >= this.pointsToWin;
    const truncated = !won && this.steps >= this.maxSteps;
    this.done = won || truncated;
    return { observation: this.observe(), reward, done: this.done, info: this.info(truncated) };
  }

  info(truncated = false): PongInfo {
    return { agentScore: this.agentScore, opponentScore: this.opponentScore, frame: this.frame, truncated };
  }

  /** Draws the court scaled to the canvas: black background, white ball and paddles. */
  render(ctx: CanvasLike): void {
    drawPong(ctx, { ballX: this.bx, ballY: this.by, agentY: this.ay, opponentY: this.oy }, this.paddleHeight);
  }

  private serve(): void {
    this.bx = (PONG_SIZE - BALL) / 2;
    this.by = (PONG_SIZE - BALL) / 2;
    // Always served to the agent: every point it wins, it earned by returning a ball.
    this.vx = SERVE_SPEED;
    this.vy = (this.rng.next() * 2 - 1) * 1.5;
  }

  /** One physics tick; returns the point scored in it (+1 agent, −1 opponent, 0). */
  private tick(action: number, opponentAction?: number): number {
    this.frame++;
    const h = this.paddleHeight;
    const lo = 0, hi = PONG_SIZE - h;
    const ay = Math.min(hi, Math.max(lo, this.ay + this.move(action)));
    this.avy = ay - this.ay;
    this.ay = ay;
    // The built-in opponent chases the ball's centre, never faster than its speed limit.
    const want = this.by + BALL / 2 - h / 2 - this.oy;
    const dy = opponentAction === undefined ? Math.max(-this.opponentSpeed, Math.min(this.opponentSpeed, want)) : this.move(opponentAction);
    const oy = Math.min(hi, Math.max(lo, this.oy + dy));
    this.ovy = oy - this.oy;
    this.oy = oy;

    const px = this.bx;
    this.bx += this.vx;
    this.by += this.vy;
    if (this.by < 0) {
      this.by = -this.by;
      this.vy = -this.vy;
    } else if (this.by > PONG_SIZE - BALL) {
      this.by = 2 * (PONG_SIZE - BALL) - this.by;
      this.vy = -this.vy;
    }
    // A paddle returns the ball when the ball crosses its face this tick and they overlap vertically.
    if (this.vx > 0 && px + BALL <= AGENT_X && this.bx + BALL > AGENT_X && this.overlaps(this.ay)) {
      this.bounce(AGENT_X - BALL, this.ay);
    } else if (this.vx < 0 && px >= OPPONENT_X + PADDLE_W && this.bx < OPPONENT_X + PADDLE_W && this.overlaps(this.oy)) {
      this.bounce(OPPONENT_X + PADDLE_W, this.oy);
    }
    if (this.bx + BALL < 0) return this.point(1);
    if (this.bx > PONG_SIZE) return this.point(-1);
    return 0;
  }

  private move(action: number): number {
    return action === 1 ? -this.paddleSpeed : action === 2 ? this.paddleSpeed : 0;
  }

  private overlaps(paddleY: number): boolean {
    return this.by + BALL > paddleY && this.by < paddleY + this.paddleHeight;
  }

  private bounce(x: number, paddleY: number): void {
    const half = this.paddleHeight / 2 + BALL / 2;
    const offset = Math.max(-1, Math.min(1, (this.by + BALL / 2 - (paddleY + this.paddleHeight / 2)) / half));
    this.bx = x;
    this.vx = -Math.sign(this.vx) * Math.min(MAX_SPEED, Math.abs(this.vx) * SPEEDUP);
    this.vy = offset * MAX_VY + (this.rng.next() - 0.5) * JITTER;
  }

  private point(who: 1 | -1): number {
    if (who > 0) this.agentScore++;
    else this.opponentScore++;
    this.serve();
    return who;
  }

  private observe(): Float32Array {
    if (this.observationMode === 'state') return this.stateObservation();
    const frame = this.pixels();
    if (!this.frameDiff) return frame;
    const out = new Float32Array(frame.length);
    if (this.prevFrame) for (let i = 0; i < frame.length; i++) out[i] = frame[i] - this.prevFrame[i];
    this.prevFrame = frame;
    return out;
  }

  /** Positions in [−1, 1] (centres, court-relative); velocities divided by their top speeds. */
  stateObservation(): Float32Array {
    const c = centred;
    const h = this.paddleHeight / 2;
    return Float32Array.of(
      c(this.bx + BALL / 2), c(this.by + BALL / 2), this.vx / MAX_SPEED, this.vy / MAX_VY,
      c(this.ay + h), this.avy / this.paddleSpeed, c(this.oy + h), this.ovy / this.opponentSpeed,
    );
  }

  /** The 80×80 binary frame: 1 where the ball or a paddle is. */
  pixels(): Float32Array {
    const out = new Float32Array(PONG_SIZE * PONG_SIZE);
    fillRect(out, OPPONENT_X, this.oy, PADDLE_W, this.paddleHeight);
    fillRect(out, AGENT_X, this.ay, PADDLE_W, this.paddleHeight);
    fillRect(out, this.bx, this.by, BALL, BALL);
    return out;
  }

  /** Where the ball and paddles are (court units, top-left corners): for tests, demos and debugging. */
  get positions(): { ballX: number; ballY: number; ballVx: number; ballVy: number; agentY: number; opponentY: number } {
    return { ballX: this.bx, ballY: this.by, ballVx: this.vx, ballVy: this.vy, agentY: this.ay, opponentY: this.oy };
  }
}
