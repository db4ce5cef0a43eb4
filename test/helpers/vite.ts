/**
 * Vite dev servers for the browser suites and the browser benchmark (no vitest here: bench/ uses
 * it from plain Node).
 */
import { join } from 'node:path';
import type { InlineConfig, Plugin, ViteDevServer } from 'vite';
import { freePort } from './net.js';

/** The two headers that make a page cross-origin isolated, which is what exposes SharedArrayBuffer. */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface RunningServer {
  server: ViteDevServer;
  /** The server's URL, ending in '/'. */
  baseUrl: string;
}

/**
 * `config` served on 127.0.0.1 at a free port, listening. No file watching: other work in the tree
 * (a wasm rebuild, an edit) must not reload the page or restart the server in the middle of a run.
 */
export async function startViteServer(config: InlineConfig): Promise<RunningServer> {
  const { createServer } = await import('vite');
  const server = await createServer({
    logLevel: 'warn',
    ...config,
    server: { host: '127.0.0.1', port: await freePort(), strictPort: true, watch: null, hmr: false, ...config.server },
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close();
    throw e;
  }
  return { server, baseUrl: server.resolvedUrls!.local[0] };
}

/** An empty HTML page at `path` with `title`; with `isolated`, sent with the ISOLATION headers. */
export interface BlankPage {
  path: string;
  title: string;
  isolated: boolean;
}

/**
 * The repository's sources (`/ts/index.ts`, …) on a server that sends ISOLATION with every
 * response, module workers as ES modules, and the given blank pages to load them into.
 */
export function startSourceServer(repo: string, opts: { cacheDir: string; optimizeDeps: InlineConfig['optimizeDeps']; pages: BlankPage[] }): Promise<RunningServer> {
  return startViteServer({
    configFile: false,
    root: repo,
    cacheDir: join(repo, 'node_modules', opts.cacheDir),
    optimizeDeps: opts.optimizeDeps,
    worker: { format: 'es' },
    server: { fs: { allow: [repo] }, headers: ISOLATION },
    plugins: opts.pages.map(blankPage),
  });
}

function blankPage({ path, title, isolated }: BlankPage): Plugin {
  return {
    name: `blank-page${path}`,
    configureServer: (s) =>
      void s.middlewares.use(path, (_req, res) => {
        if (isolated) for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title>`);
      }),
  };
}
