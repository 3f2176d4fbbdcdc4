import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Suites spawn real server processes; on a 2-core machine give them room rather than flaky timeouts.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
