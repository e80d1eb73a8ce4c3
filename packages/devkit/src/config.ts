import { join } from "node:path";
import type { StackOptions } from "./stack";

const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0 || value > 65_535) throw new Error(`${name} must be a port number`);
  return value;
};

/** Ports and the data directory, overridable by environment (tests run a second stack beside yours). */
export function stackOptionsFromEnv(repoRoot: string): StackOptions {
  return {
    dataDir: process.env.UAS_DATA_DIR ?? join(repoRoot, ".data"),
    fresh: process.env.UAS_FRESH === "1",
    ports: {
      web: port("UAS_WEB_PORT", 5173),
      api: port("UAS_API_PORT", 8787),
      db: port("UAS_DB_PORT", 8080),
      partner: port("UAS_PARTNER_PORT", 8090),
      // "0" takes any free port (the browser tests' own stack).
      mailbox: process.env.UAS_MAILBOX_PORT === "0" ? 0 : port("UAS_MAILBOX_PORT", 8025),
      // The member-system simulators: by default the four ports after the partner's.
      mindbody: port("UAS_MINDBODY_PORT", port("UAS_PARTNER_PORT", 8090) + 1),
      pushpress: port("UAS_PUSHPRESS_PORT", port("UAS_PARTNER_PORT", 8090) + 2),
      glofox: port("UAS_GLOFOX_PORT", port("UAS_PARTNER_PORT", 8090) + 3),
      abcIgnite: port("UAS_ABC_PORT", port("UAS_PARTNER_PORT", 8090) + 4),
    },
    cron: process.env.UAS_CRON !== "0",
  };
}
