// Multi-page build: one entry per terminal role, so each page loads only
// its own code. Output goes to dist/, which hallq-server embeds.
import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const pages = ['kiosk', 'counter', 'display', 'rate', 'board', 'reports', 'settings', 'ticket', 'case', 'central']

export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: Object.fromEntries(pages.map((p) => [p, resolve(__dirname, p, 'index.html')])),
      // Vue and vue-i18n in one shared, long-cached chunk; ECharts in its
      // own, which only the reports page loads.
      output: {
        manualChunks: (id) =>
          /node_modules\/(echarts|zrender|tslib)\//.test(id) ? 'charts' : /node_modules\/uqr\//.test(id) ? 'qr' : id.includes('node_modules') ? 'vendor' : undefined,
      },
    },
  },
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
  },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:7070', ws: true } } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
})
