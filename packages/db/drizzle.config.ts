import { defineConfig } from "drizzle-kit";

// `drizzle-kit generate` needs no database; `drizzle-kit migrate` applies the generated SQL to
// DATABASE_URL (a Turso `libsql://` URL with DATABASE_AUTH_TOKEN in production).
export default defineConfig({
  dialect: "turso",
  schema: "./src/schema/index.ts",
  out: "./migrations",
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "file::memory:",
    authToken: process.env.DATABASE_AUTH_TOKEN,
  },
});
