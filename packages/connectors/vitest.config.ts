import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The official PushPress SDK (an independent signer in the tests) ships TypeScript sources only.
    server: { deps: { inline: ["@pushpress/pushpress"] } },
    passWithNoTests: true,
  },
});
