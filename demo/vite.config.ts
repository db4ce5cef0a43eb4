/**
 * The worker demo page: `npm run demo:web` (dev server), `npm run demo:build` (static build in
 * demo/dist). The page imports the library from ../ts directly, so the demo always shows the
 * working tree.
 *
 * MNIST is not bundled: the IDX files that `npm run setup:data` puts in .data/mnist (or
 * $KNOBS_MNIST_DIR) are served at /mnist/<name> by the dev and preview servers. A static host of
 * the built page must serve them at the same place. The text and word2vec pages' corpus, .data/text/moby-dick.txt
 * (or $KNOBS_TEXT_DIR), is served the same way at /text/moby-dick.txt.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { MNIST_FILES } from '../ts/data/mnist.js';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(demoDir, '..');
const mnistDir = process.env.KNOBS_MNIST_DIR ? resolve(process.env.KNOBS_MNIST_DIR) : join(repo, '.data', 'mnist');
const textDir = process.env.KNOBS_TEXT_DIR ? resolve(process.env.KNOBS_TEXT_DIR) : join(repo, '.data', 'text');
/** The corpus of the text and word2vec pages (scripts/fetch-data.sh text). */
const TEXT_FILES = ['moby-dick.txt'];

/**
 * Serves the files `names` of `dir` at `route`/<name>, by name only (no paths from the URL reach
 * the file system); a missing file is a 404 that says which setup step fetches it.
 */
function dataFiles(route: string, dir: string, names: readonly string[], setup: string): Plugin {
  const known = new Set(names);
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const name = (req.url ?? '').split('?')[0].replace(/^\/+/, '');
    if (!known.has(name)) return next();
    const file = join(dir, name);
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} is not in ${dir}; run \`${setup}\` first.\n`);
      return;
    }
    res.setHeader('content-type', name.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream');
    res.setHeader('content-length', String(statSync(file).size));
    res.setHeader('cache-control', 'no-cache');
    createReadStream(file).pipe(res);
  };
  return {
    name: `knobs-data-files${route}`,
    configureServer: (server) => void server.middlewares.use(route, handler),
    configurePreviewServer: (server) => void server.middlewares.use(route, handler),
  };
}

export default defineConfig({
  root: demoDir,
  // Relative asset URLs, so the built page also works from a sub-path.
  base: './',
  cacheDir: join(repo, 'node_modules', '.vite-demo'),
  plugins: [
    dataFiles('/mnist', mnistDir, Object.values(MNIST_FILES), 'npm run setup:data'),
    dataFiles('/text', textDir, TEXT_FILES, 'bash scripts/fetch-data.sh text'),
  ],
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
