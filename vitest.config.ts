import { defineConfig } from "vitest/config";

/**
 * The export condition that points each `@outrigger/*` entry at its TypeScript source (`"@outrigger/source":
 * "./src/index.ts"`, first in every `exports` entry; TanStack's pattern). Tests resolve sibling packages through
 * it, so an edit in discovery fails loadbalancer's tests at once, without a rebuild. Published consumers never ask
 * for it, so they get `dist` as before.
 */
const sourceCondition = "@outrigger/source";

export const config = defineConfig({
  resolve: { conditions: [sourceCondition, "module", "node", "development|production"] },
  ssr: { resolve: { conditions: [sourceCondition, "module", "node", "development|production"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "bench/src/**/*.test.ts",
      "tools/*/src/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    // Cross-process tests start real servers; give them room on a 2-core machine without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads its config from the default export.
export default config;
