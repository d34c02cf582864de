import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    globalSetup: ['scripts/vitest.globalSetup.ts'],
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'apps/web/src/**/*.test.ts', 'apps/web/src/**/*.test.tsx'],
    // Two test files at once even on 2 cores (vitest's default there is cores - 1 = one file at a
    // time): most server and CLI files wait on child processes (servers, qemu-io, fio, nbdfuse) far
    // more than they compute, and the longest file (the crash-point explorer) no longer runs alone
    // at the end of a serial queue. More cores: vitest's own default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
