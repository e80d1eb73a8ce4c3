import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generating 100,000 people and property runs take seconds on a loaded 2-core CI box.
    testTimeout: 30_000,
    // The official PushPress SDK ships TypeScript sources only: let vite transform it instead of Node loading it.
    server: { deps: { inline: ["@pushpress/pushpress"] } },
  },
});
