import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import path from 'node:path';

// The renderer's build (Vite). It lives outside src-renderer/ because it runs on Node, which the UI layer never imports.

export default defineConfig({
  root: path.resolve(import.meta.dirname, 'src-renderer'),
  // Relative asset paths: Electron loads the page from file://.
  base: './',
  plugins: [react()],
  resolve: {
    // monaco-editor's exports map turns every subpath into a .js file; its stylesheets need a direct path.
    alias: [{ find: /^monaco-editor\/(.*\.css)$/, replacement: path.resolve(import.meta.dirname, 'node_modules/monaco-editor/esm/vs/$1') }],
  },
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 8_000,
  },
  worker: { format: 'es' },
});
