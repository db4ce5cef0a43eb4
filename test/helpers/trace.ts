/**
 * The CPU time of a page's main-thread tasks, from Chromium's own trace (CDP Tracing, category
 * 'toplevel'). A Long Tasks entry measures wall time, which on a shared 2-core machine also counts
 * the time the OS gave other processes; the trace's thread time (`tdur`) counts only the work the
 * page's main thread did itself — the part a page controls.
 */
import type { Page } from 'playwright-core';

export interface MainThreadTask {
  /** Start, µs on the trace clock. */
  ts: number;
  /** Wall time and thread (CPU) time, ms. */
  wallMs: number;
  cpuMs: number;
}

const TASK_EVENTS = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Starts tracing; `stop()` ends it and returns every task of the renderers' main threads. */
export async function traceMainThread(page: Page): Promise<{ stop(): Promise<MainThreadTask[]> }> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', '__metadata'] }, transferMode: 'ReportEvents' });
  return {
    async stop() {
      const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      // Every renderer's main thread (the others are idle): conservative, and needs no frame-to-process lookup.
      const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
      if (mains.size === 0) throw new Error('traceMainThread: the trace names no CrRendererMain thread');
      return events
        .filter((e) => TASK_EVENTS.has(e.name) && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`))
        .map((e) => ({ ts: e.ts, wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 }));
    },
  };
}
