/**
 * Terminal progress for fit(): one cli-progress bar per epoch, left on screen with the epoch's
 * final numbers (Keras-style). Node only: cli-progress is imported lazily, under a name bundlers
 * do not follow, so a browser build never pulls it in. Outside a TTY nothing is drawn unless the
 * caller asked for plain per-epoch lines (verbose: true).
 */
import { importHidden } from '../runtime.js';

export interface ProgressReporter {
  epochBegin(epoch: number, epochs: number, batches: number): void;
  batch(done: number, logs: Readonly<Record<string, number | undefined>>): void;
  epochEnd(logs: Readonly<Record<string, number | undefined>>, seconds: number): void;
  close(): void;
}

export type Verbose = boolean | 'auto';

function fmt(logs: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(logs)
    .flatMap(([k, v]) => (v === undefined ? [] : [`${k} ${v.toFixed(4)}`]))
    .join(' | ');
}

function nodeStderr(): (NodeJS.WriteStream & { isTTY?: boolean }) | null {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  return p?.versions?.node && p.stderr ? p.stderr : null;
}

/** Resolves `verbose` to a reporter, or null for silence. */
export async function createProgress(verbose: Verbose | undefined): Promise<ProgressReporter | null> {
  const v = verbose ?? 'auto';
  if (v === false) return null;
  const stderr = nodeStderr();
  const tty = !!stderr?.isTTY;
  if (tty) {
    const bar = await loadBar(stderr!);
    if (bar) return bar;
  }
  if (v === true) return lineReporter();
  return null;
}

function lineReporter(): ProgressReporter {
  let label = '';
  const out = (s: string) => (nodeStderr() ? nodeStderr()!.write(s + '\n') : console.log(s));
  return {
    epochBegin(epoch, epochs) {
      label = `epoch ${epoch + 1}/${epochs}`;
    },
    batch() {},
    epochEnd(logs, seconds) {
      out(`${label} | ${fmt(logs)} | ${seconds.toFixed(1)}s`);
    },
    close() {},
  };
}

async function loadBar(stream: NodeJS.WriteStream): Promise<ProgressReporter | null> {
  let mod: typeof import('cli-progress');
  try {
    const imported = await importHidden<typeof import('cli-progress') & { default?: typeof import('cli-progress') }>('cli-progress');
    mod = imported.default ?? imported;
  } catch {
    return null;
  }
  let bar: InstanceType<typeof mod.SingleBar> | null = null;
  let epochLabel = '';
  return {
    epochBegin(epoch, epochs, batches) {
      epochLabel = `epoch ${epoch + 1}/${epochs}`;
      bar = new mod.SingleBar(
        { stream, format: `${epochLabel} [{bar}] {value}/{total} | {logs} | {duration_formatted}`, barsize: 24, hideCursor: true, clearOnComplete: false, fps: 10 },
        mod.Presets.legacy,
      );
      bar.start(batches, 0, { logs: '' });
    },
    batch(done, logs) {
      bar?.update(done, { logs: fmt(logs) });
    },
    epochEnd(logs) {
      bar?.update({ logs: fmt(logs) });
      bar?.stop();
      bar = null;
    },
    close() {
      bar?.stop();
      bar = null;
    },
  };
}
