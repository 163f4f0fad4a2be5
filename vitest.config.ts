import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real registries, skopeo and podman are slow to start; a test that needs them says so with its own timeout.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Under CI, tests that need ../shared must fail rather than skip when it is missing.
    globalSetup: ['test/helpers/shared-fixtures.ts'],
  },
});
