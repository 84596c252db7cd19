import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime: no framework plugin needed. The build lands
// in dist/web, which the server serves at /; every asset is local (no CDN).
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  // ws: the voice messenger's WebSocket at /api/v1/ivm goes through the dev proxy too.
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
