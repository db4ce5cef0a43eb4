import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nn, optim } from '../ts/index.js';
import { DataLoader } from '../ts/data/dataset.js';
import { blobs } from './helpers/blobs.js';
import { KnobsError } from '../ts/errors.js';
import { EarlyStopping, fit } from '../ts/train/index.js';
import { downsample, niceTicks, renderReport } from '../ts/vis/report.js';

beforeAll(() => init());

/** The `points` attribute of each series' polyline/circles, by series name. */
function seriesOf(html: string): Map<string, number> {
  return new Map([...html.matchAll(/<g class="series" data-name="([^"]+)" data-points="(\d+)">/g)].map((m) => [m[1], Number(m[2])]));
}

describe("fit(..., { report: 'runs/x.html' })", () => {
  it('writes a self-contained HTML report with loss and accuracy panels, every epoch and batch on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-report-'));
    const path = join(dir, 'runs', 'blobs.html'); // runs/ does not exist yet: created
    const model = new nn.Sequential(new nn.Linear(2, 16, { seed: 1 }), new nn.ReLU(), new nn.Linear(16, 3, { seed: 2 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new DataLoader(blobs(300, 1), { batchSize: 32, shuffle: true, seed: 5 });
    const history = await fit(model, loader, { epochs: 4, optimizer: opt, metrics: ['accuracy'], validation: { split: 0.2 }, verbose: false, report: path });
    const html = readFileSync(path, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: nothing fetched when opened.
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(|@import/i);
    expect(html).toContain('finished after 4 epochs');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g)!;
    expect(svgs.map((s) => /aria-label="([^"]+)"/.exec(s)![1])).toEqual(['loss', 'accuracy']);
    const batches = Math.ceil(240 / 32);
    expect(Object.fromEntries(seriesOf(html))).toEqual({
      'loss (batch)': 4 * batches,
      'loss (epoch)': 4,
      'val_loss (epoch)': 4,
      'accuracy (batch)': 4 * batches,
      'accuracy (epoch)': 4,
      'val_accuracy (epoch)': 4,
    });
    // The table holds the history's numbers (4 significant digits).
    const lastVal = history.history.val_accuracy.at(-1)!;
    expect(html).toContain(`<td>${Number(lastVal.toPrecision(4))}</td>`);
    // The legend names the last value of each series.
    expect(html).toContain(`val_accuracy (epoch) ${Number(lastVal.toPrecision(4))}`);
  });

  it('is rewritten after every epoch, so an early stop still leaves a report, and says why it stopped', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'knobs-report-')), 'x.html');
    const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 3 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0 }); // nothing improves: EarlyStopping stops after epoch 2
    const seen: boolean[] = [];
    await fit(model, new DataLoader(blobs(90, 2), { batchSize: 30 }), {
      epochs: 10, optimizer: opt, verbose: false, report: path,
      callbacks: [new EarlyStopping({ monitor: 'loss', patience: 1 }), { onEpochEnd: () => void seen.push(existsSync(path)) }],
    });
    // Callbacks run in order and the report's is last: written before the second epoch began.
    expect(seen.slice(1).every(Boolean)).toBe(true);
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('stopped (early-stopping) after 2 epochs');
    // No accuracy metric: only the loss panel.
    expect(html.match(/<svg/g)!.length).toBe(1);
  });

  it('rejects a bad path before training', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 3 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    await expect(fit(model, new DataLoader(blobs(30, 2), { batchSize: 30 }), { epochs: 1, optimizer: opt, verbose: false, report: '' })).rejects.toThrow(KnobsError);
    await expect(fit(model, new DataLoader(blobs(30, 2), { batchSize: 30 }), { epochs: 1, optimizer: opt, verbose: false, report: '' })).rejects.toThrow(/report must be a file path/);
  });
});

describe('renderReport', () => {
  it('draws curves within the plot area, ticks are round, long curves are averaged down', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 2.3)).toEqual([0, 0.5, 1, 1.5, 2]);
    const long = Array.from({ length: 10_000 }, (_, i) => [i, i % 2] as [number, number]);
    const d = downsample(long, 100);
    expect(d.length).toBe(100);
    expect(d.every(([, y]) => Math.abs(y - 0.5) < 1e-9)).toBe(true);
    const html = renderReport({ title: 'a <b>', xLabel: 'step', panels: [{ title: 'p', yRange: [0, 1], series: [{ name: 's', points: [[0, 0], [10, 1]] }] }] });
    expect(html).toContain('a &#60;b&#62;');
    const pts = /<polyline[^>]*points="([^"]+)"/.exec(html)![1].split(' ').map((p) => p.split(',').map(Number));
    // [0,0] at the bottom-left corner of the plot area, [10,1] at the top-right.
    expect(pts).toEqual([[56, 224], [704, 28]]);
  });
});
