/**
 * The wasm exports and their callers: every export is called from ts/ (or bench/) by its
 * literal name, so one grep finds a kernel's caller, and an export nobody calls is noticed.
 * Reads the sources and the committed wasm-pkg typings; needs no wasm instance.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const repo = resolve(__dirname, '..');
// thread_worker_parts: a counter only the tests read, to see that pool workers take parts.
const TEST_HOOKS = new Set(['thread_worker_parts', 'initSync']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs)$/.test(f) ? [readFileSync(p, 'utf8')] : [];
  });
}

it('every wasm export is called by its literal name from ts/ or bench/', () => {
  const dts = readFileSync(join(repo, 'wasm-pkg/knobs_core.d.ts'), 'utf8');
  const exported = [...dts.matchAll(/^export function (\w+)\(/gm)].map((m) => m[1]);
  expect(exported).toContain('matmul_batched');
  const code = [...sources(join(repo, 'ts')), ...sources(join(repo, 'bench'))].join('\n');
  const uncalled = exported.filter((name) => !TEST_HOOKS.has(name) && !new RegExp(`\\.${name}\\b`).test(code));
  expect(uncalled).toEqual([]);
});

it('no kernel is looked up by a computed name', () => {
  const code = sources(join(repo, 'ts')).join('\n');
  // K()[op], k[`${op}_backward`], kern[name]: the name would not appear literally anywhere.
  expect(code.match(/\b(K\(\)|k|kern|kernels)\[[^\]]+\]/g) ?? []).toEqual([]);
});
