/**
 * bAbI (Weston et al., 2015): short stories with questions, the data of the book's chapters 12
 * (next-word prediction on task 1's sentences) and 13 (memory networks). No package registry ships
 * the original files, so this module both *generates* stories of tasks 1, 2, 3 and 6 with their
 * grammar and vocabulary (seeded; as many as wanted) and *parses* the standard file format, so a
 * user with the original `qa1_single-supporting-fact_train.txt` gets the same objects:
 *
 *   1 Mary moved to the bathroom.
 *   2 John went to the hallway.
 *   3 Where is Mary? \tbathroom\t1
 *
 * Line ids restart at 1 with each story; a question line carries its answer and the ids of the
 * statements that support it, tab-separated.
 */
import { checkOptions } from '../options.js';
import { KnobsError } from '../errors.js';
import { Rng } from '../random.js';

export interface BabiLine {
  /** The line's id within its story (1-based, as in the file). */
  id: number;
  /** The statement or the question, as written (with its final '.' or '?'). */
  text: string;
  /** Present on question lines. */
  answer?: string;
  /** Ids of the statements that answer the question. */
  supporting?: number[];
}

export interface BabiStory {
  lines: BabiLine[];
}

/** One question with the statements before it (its "memory"), as a memory network reads it. */
export interface BabiSample {
  /** Statements of the story before the question (questions are not part of the memory). */
  context: string[];
  question: string;
  answer: string;
  /** Positions in `context` (0-based) of the supporting statements. */
  supporting: number[];
}

export type BabiTask = 1 | 2 | 3 | 6;

export const BABI_TASKS: Readonly<Record<BabiTask, string>> = {
  1: 'single-supporting-fact',
  2: 'two-supporting-facts',
  3: 'three-supporting-facts',
  6: 'yes-no-questions',
};

// The original tasks' vocabulary.
const ACTORS = ['Mary', 'John', 'Daniel', 'Sandra'];
const PLACES = ['bathroom', 'hallway', 'kitchen', 'office', 'bedroom', 'garden'];
const OBJECTS = ['football', 'apple', 'milk'];
const MOVES = ['moved to', 'went to', 'went back to', 'travelled to', 'journeyed to'];
const GETS = ['got', 'picked up', 'grabbed', 'took'];
const DROPS = ['dropped', 'discarded', 'left', 'put down'];

export interface BabiOptions {
  /** Stories to generate. Default 200 (tasks 1 and 6: 5 questions each, so 1,000 questions). */
  stories?: number;
  seed?: number;
  /** Questions per story. Default 5 (the original files' task 1 and 6 layout). */
  questionsPerStory?: number;
}

/** The world a story describes: where each actor is, who holds what, where each object has been. */
class World {
  readonly where = new Map<string, { place: string; line: number }>();
  readonly holder = new Map<string, { actor: string; line: number }>();
  /** Each object's places in order, with the line that put it there (a pick-up or a move of its holder). */
  readonly trail = new Map<string, { place: string; line: number; via: number }[]>();
  readonly lines: BabiLine[] = [];
  constructor(private readonly rng: Rng) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)];
  }
  private add(text: string): number {
    const id = this.lines.length + 1;
    this.lines.push({ id, text });
    return id;
  }
  /** The object is (still, or now) at `place`: a new trail entry, or the latest one re-established. */
  private visit(obj: string, place: string, line: number, via: number): void {
    const t = this.trail.get(obj) ?? [];
    if (t.at(-1)?.place === place) t[t.length - 1] = { place, line, via };
    else t.push({ place, line, via });
    this.trail.set(obj, t);
  }

  move(): void {
    const actor = this.pick(ACTORS);
    const from = this.where.get(actor)?.place;
    const place = this.pick(PLACES.filter((p) => p !== from));
    const line = this.add(`${actor} ${this.pick(MOVES)} the ${place}.`);
    this.where.set(actor, { place, line });
    for (const [obj, h] of this.holder) if (h.actor === actor) this.visit(obj, place, line, h.line);
  }

  /** An object event when one is possible (a placed actor picks up a free object, or drops one). */
  objectEvent(): boolean {
    const holders = [...this.holder.entries()];
    if (holders.length > 0 && this.rng.next() < 0.4) {
      const [obj, h] = this.pick(holders);
      const line = this.add(`${h.actor} ${this.pick(DROPS)} the ${obj}.`);
      this.holder.delete(obj);
      const t = this.trail.get(obj)!;
      t[t.length - 1] = { ...t[t.length - 1], via: line };
      return true;
    }
    const placed = ACTORS.filter((a) => this.where.has(a));
    const free = OBJECTS.filter((o) => !this.holder.has(o));
    if (placed.length === 0 || free.length === 0) return false;
    const actor = this.pick(placed);
    const place = this.where.get(actor)!.place;
    // "Got the X there": the object must be where the actor is (or not yet placed in the story).
    const here = free.filter((o) => this.trail.get(o)?.at(-1)?.place === undefined || this.trail.get(o)!.at(-1)!.place === place);
    if (here.length === 0) return false;
    const obj = this.pick(here);
    const line = this.add(`${actor} ${this.pick(GETS)} the ${obj} there.`);
    this.holder.set(obj, { actor, line });
    this.visit(obj, place, this.where.get(actor)!.line, line);
    return true;
  }

  ask(text: string, answer: string, supporting: number[]): void {
    const id = this.lines.length + 1;
    this.lines.push({ id, text, answer, supporting: [...new Set(supporting)].sort((a, b) => a - b) });
  }
}

/** A question for the task when the world can answer one now, else null. */
function question(task: BabiTask, w: World, rng: Rng): (() => void) | null {
  const placed = ACTORS.filter((a) => w.where.has(a));
  if (task === 1 || task === 6) {
    if (placed.length === 0) return null;
    const actor = placed[rng.int(placed.length)];
    const at = w.where.get(actor)!;
    if (task === 1) return () => w.ask(`Where is ${actor}?`, at.place, [at.line]);
    const yes = rng.next() < 0.5;
    const place = yes ? at.place : PLACES.filter((p) => p !== at.place)[rng.int(PLACES.length - 1)];
    return () => w.ask(`Is ${actor} in the ${place}?`, yes ? 'yes' : 'no', [at.line]);
  }
  const known = OBJECTS.filter((o) => (w.trail.get(o)?.length ?? 0) >= (task === 2 ? 1 : 2));
  if (known.length === 0) return null;
  const obj = known[rng.int(known.length)];
  const trail = w.trail.get(obj)!;
  const now = trail.at(-1)!;
  if (task === 2) return () => w.ask(`Where is the ${obj}?`, now.place, [now.line, now.via]);
  const before = trail.at(-2)!;
  return () => w.ask(`Where was the ${obj} before the ${now.place}?`, before.place, [before.line, now.line, now.via]);
}

/**
 * Stories of bAbI task `task` (1, 2, 3 or 6), seeded. Tasks 1 and 6: two moves between questions;
 * tasks 2 and 3: moves mixed with objects being picked up and dropped, questions once the answer
 * is determined by the story. Every answer is computed from a simulation of the world.
 */
export function generateBabi(task: BabiTask, opts: BabiOptions = {}): BabiStory[] {
  if (!Object.hasOwn(BABI_TASKS, task)) throw new KnobsError(`generateBabi: task must be one of ${Object.keys(BABI_TASKS).join(', ')}, got ${JSON.stringify(task)}`);
  checkOptions('generateBabi', opts, ['stories', 'seed', 'questionsPerStory']);
  const n = opts.stories ?? 200, q = opts.questionsPerStory ?? 5;
  for (const [k, v] of [['stories', n], ['questionsPerStory', q]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new KnobsError(`generateBabi: ${k} must be a positive integer, got ${v}`);
  }
  const rng = new Rng(opts.seed ?? 0);
  const stories: BabiStory[] = [];
  for (let s = 0; s < n; s++) {
    const w = new World(rng);
    for (let asked = 0; asked < q; ) {
      if (task === 1 || task === 6) {
        w.move();
        w.move();
      } else {
        // One to three events; objects only once someone is somewhere to hold them.
        for (let e = 1 + rng.int(3); e > 0; e--) if (rng.next() < 0.5 || !w.objectEvent()) w.move();
      }
      const ask = question(task, w, rng);
      if (ask) {
        ask();
        asked++;
      }
    }
    stories.push({ lines: w.lines });
  }
  return stories;
}

/** Reads the standard bAbI text format (as in the original files); errors name the line. */
export function parseBabi(text: string): BabiStory[] {
  if (typeof text !== 'string') throw new KnobsError(`parseBabi: expected the file's text, got ${typeof text}`);
  const stories: BabiStory[] = [];
  let cur: BabiLine[] | null = null;
  const rows = text.split(/\r?\n/);
  rows.forEach((raw, i) => {
    const where = `parseBabi: line ${i + 1}`;
    if (raw.trim() === '') return;
    const m = /^(\d+) ([^\t]*)(?:\t([^\t]*)\t?([\d ]*))?\s*$/.exec(raw);
    if (!m) throw new KnobsError(`${where}: expected "<id> <text>" or "<id> <question>\\t<answer>\\t<supporting ids>", got ${JSON.stringify(raw.slice(0, 80))}`);
    const id = Number(m[1]);
    if (id === 1 || !cur) {
      if (id !== 1) throw new KnobsError(`${where}: a story must start at id 1, got ${id}`);
      cur = [];
      stories.push({ lines: cur });
    } else if (id !== cur.length + 1) {
      throw new KnobsError(`${where}: id ${id} follows ${cur.length}`);
    }
    const line: BabiLine = { id, text: m[2].trim() };
    if (m[3] !== undefined) {
      line.answer = m[3].trim();
      line.supporting = (m[4] ?? '').trim() === '' ? [] : m[4].trim().split(/\s+/).map(Number);
      for (const s of line.supporting) {
        if (!(s >= 1 && s < id) || cur[s - 1].answer !== undefined) throw new KnobsError(`${where}: supporting id ${s} is not a statement before the question`);
      }
    }
    cur.push(line);
  });
  return stories;
}

/** Writes stories in the standard format (what parseBabi reads). */
export function formatBabi(stories: readonly BabiStory[]): string {
  const out: string[] = [];
  for (const s of stories) {
    for (const l of s.lines) out.push(l.answer === undefined ? `${l.id} ${l.text}` : `${l.id} ${l.text} \t${l.answer}\t${(l.supporting ?? []).join(' ')}`);
  }
  return out.join('\n') + '\n';
}

/** One sample per question: the story's statements before it, the question, its answer. */
export function babiSamples(stories: readonly BabiStory[]): BabiSample[] {
  const out: BabiSample[] = [];
  for (const s of stories) {
    const context: string[] = [];
    const pos = new Map<number, number>();
    for (const l of s.lines) {
      if (l.answer === undefined) {
        pos.set(l.id, context.length);
        context.push(l.text);
      } else {
        out.push({ context: [...context], question: l.text, answer: l.answer, supporting: (l.supporting ?? []).map((id) => pos.get(id)!) });
      }
    }
  }
  return out;
}

/** Lower-cased words of a bAbI sentence, punctuation dropped ("Where is Mary?" → where, is, mary). */
export function babiWords(sentence: string): string[] {
  return sentence.toLowerCase().replace(/[.?]/g, ' ').split(/\s+/).filter(Boolean);
}
