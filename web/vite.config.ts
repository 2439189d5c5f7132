import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Resolved from this file, not from the working directory, so the build works wherever it is started.
const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // The server's CSP allows scripts from 'self' only; the polyfill would be an inline script.
    modulePreload: { polyfill: false },
    // Keep every asset a file of its own: fonts may not come from data: URIs under the CSP.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // The libraries the first page needs (React, i18next) in a chunk of their own: its name changes
          // only when they do, so after a deployment of Ward's own code browsers keep it from their cache.
          groups: [{ name: 'vendor', test: /[\\/]node_modules[\\/]/, tags: ['$initial'] }],
        },
      },
    },
  },
});
