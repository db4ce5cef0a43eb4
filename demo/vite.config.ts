/**
 * The worker demo page: `npm run demo:web` (dev server), `npm run demo:build` (static build in
 * demo/dist). The page imports the library from ../ts directly, so the demo always shows the
 * working tree.
 *
 * MNIST is not bundled: the IDX files that `npm run setup:data` puts in .data/mnist (or
 * $KNOBS_MNIST_DIR) are served at /mnist/<name> by the dev and preview servers. A static host of
 * the built page must serve them at the same place. Likewise the text page's Moby Dick
 * (`bash scripts/fetch-data.sh text` → .data/text/moby-dick.txt) at /text/moby-dick.txt.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { MNIST_FILES } from '../ts/data/mnist.js';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(demoDir, '..');
const mnistDir = process.env.KNOBS_MNIST_DIR ? resolve(process.env.KNOBS_MNIST_DIR) : join(repo, '.data', 'mnist');

/** Serves the four MNIST files by name only (no paths from the URL reach the file system). */
function mnistFiles(): Plugin {
  const names = new Set<string>(Object.values(MNIST_FILES));
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const name = (req.url ?? '').split('?')[0].replace(/^\/+/, '');
    if (!names.has(name)) return next();
    const file = join(mnistDir, name);
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end(`MNIST file ${name} is not in ${mnistDir}; run \`npm run setup:data\` first.\n`);
      return;
    }
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(statSync(file).size));
    res.setHeader('cache-control', 'no-cache');
    createReadStream(file).pipe(res);
  };
  return {
    name: 'knobs-mnist-files',
    configureServer: (server) => void server.middlewares.use('/mnist', handler),
    configurePreviewServer: (server) => void server.middlewares.use('/mnist', handler),
  };
}

/** Serves .data/text/moby-dick.txt at /text/moby-dick.txt (that name only) for demo/text.html. */
function textFiles(): Plugin {
  const file = join(repo, '.data', 'text', 'moby-dick.txt');
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    if ((req.url ?? '').split('?')[0] !== '/moby-dick.txt') return next();
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end(`${file} is missing; run \`bash scripts/fetch-data.sh text\` first.\n`);
      return;
    }
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('content-length', String(statSync(file).size));
    res.setHeader('cache-control', 'no-cache');
    createReadStream(file).pipe(res);
  };
  return {
    name: 'knobs-text-files',
    configureServer: (server) => void server.middlewares.use('/text', handler),
    configurePreviewServer: (server) => void server.middlewares.use('/text', handler),
  };
}

export default defineConfig({
  root: demoDir,
  // Relative asset URLs, so the built page also works from a sub-path.
  base: './',
  cacheDir: join(repo, 'node_modules', '.vite-demo'),
  plugins: [mnistFiles(), textFiles()],
  // The library sources and wasm-pkg live above the demo root.
  server: { fs: { allow: [repo] } },
  // Pre-bundled at start-up, so the first page load is not interrupted by a dependency reload.
  optimizeDeps: { include: ['comlink', 'uplot'] },
  worker: { format: 'es' },
  // Every demo/*.html is a page of the build (one per chapter: a page is added by adding its file).
  build: {
    outDir: join(demoDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: Object.fromEntries(readdirSync(demoDir).filter((f) => f.endsWith('.html')).map((f) => [f.replace(/\.html$/, ''), join(demoDir, f)])),
    },
  },
});
