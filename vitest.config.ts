import { defineConfig, type Plugin } from "vitest/config";

/**
 * Tests load dependencies as the server does, without the `development` export condition: the micromark and
 * mdast packages' development builds assert where their production builds go on (mdast-util-gfm-task-list-item
 * asserts a check box's paragraph sits in a list item, which a lazy line can break), and the board parser
 * must be tested against what runs. Vite (and Vitest's workers) would add it outside production mode.
 */
const withoutDevelopmentCondition: Plugin = {
  name: "without-development-condition",
  configResolved(config) {
    const lists = [
      config.resolve.conditions,
      config.ssr.resolve?.conditions,
      ...Object.values(config.environments).map((e) => e.resolve.conditions),
    ];
    for (const conditions of lists) {
      if (!conditions) continue;
      for (let index = conditions.length - 1; index >= 0; index--) {
        if (conditions[index] === "development|production" || conditions[index] === "development") conditions.splice(index, 1);
      }
    }
  },
};

export default defineConfig({
  plugins: [withoutDevelopmentCondition],
  test: {
    include: ["test/**/*.test.ts"],
    // Suites spawn real server processes; on a 2-core machine give them room rather than flaky timeouts.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
