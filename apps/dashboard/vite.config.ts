import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Assets stay files (no data: URLs inlined into scripts or styles).
    assetsInlineLimit: 0,
    // The charting library's chunk (about 525 kB, 180 kB gzipped) is loaded by the analytics pages alone,
    // never by the first screen (bench/dashboard-budgets.ts measures what the first screen loads).
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        // The charting library in a chunk of its own, named so the budgets bench can tell it is not loaded first.
        manualChunks: (id) =>
          /[\\/]node_modules[\\/](echarts|zrender)[\\/]/.test(id) ? 'charts' : undefined,
      },
    },
  },
});
