import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web app: src/web → dist/web (served by `vigie serve`). Vite 8 compiles TSX itself with oxc;
// no React plugin is needed (no fast refresh: a change reloads the page in `npm run dev:web`).
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
