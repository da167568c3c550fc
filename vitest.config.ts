import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Compiled graphs built by tests go to a throw-away cache, never the user's.
    env: { REPRISE_CACHE_DIR: path.join(os.tmpdir(), `reprise-test-cache-${process.pid}`) },
  },
});
