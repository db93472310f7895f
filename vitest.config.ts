import { defineConfig } from "vitest/config";

export const config = defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "examples/*/test/**/*.test.ts", "bench/src/**/*.test.ts"],
    // Cross-process tests start real servers; give them room on a 2-core machine without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads its config from the default export.
export default config;
