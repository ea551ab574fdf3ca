import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import path from 'node:path';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset paths: Electron loads the page from file://.
  base: './',
  plugins: [react()],
  resolve: {
    // monaco-editor's exports map turns every subpath into a .js file; its stylesheets need a direct path.
    alias: [{ find: /^monaco-editor\/(.*\.css)$/, replacement: path.resolve(import.meta.dirname, '../node_modules/monaco-editor/esm/vs/$1') }],
  },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/renderer'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 8_000,
  },
  worker: { format: 'es' },
});
