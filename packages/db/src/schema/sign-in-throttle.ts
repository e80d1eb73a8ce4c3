import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";

/**
 * Failed sign-ins per account (`account:<email>`) and per client address (`ip:<address>`) in a fixed
 * window, shared by every isolate through the database (docs/adr/0013-hardening-infra.md).
 */
export const signInThrottle = sqliteTable(
  "sign_in_throttle",
  {
    key: text("key").primaryKey(),
    windowStartedAt: epochMs("window_started_at").notNull(),
    failures: integer("failures").notNull(),
  },
  (t) => [index("sign_in_throttle_window_idx").on(t.windowStartedAt)],
);
