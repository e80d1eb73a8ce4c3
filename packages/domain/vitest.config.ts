import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Property tests run thousands of cases: seconds when the 2-core CI box is loaded, not the default 5.
    testTimeout: 60_000,
  },
});
