import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The official PushPress SDK ships TypeScript sources only: let vite transform it instead of Node loading it.
    server: { deps: { inline: ["@pushpress/pushpress"] } },
  },
});
