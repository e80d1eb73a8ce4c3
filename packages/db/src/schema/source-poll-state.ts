import { sqliteTable, text, primaryKey, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";
import { integration } from "./integration";

/**
 * Continuous sync of a system without webhooks (ABC Ignite): one delta poll state per integration and
 * club (docs/adr/0018-abc-ignite-polling.md; the rules are the domain's `poll-window.ts`). The watermark
 * only moves after every change of a window is stored in the webhook inbox, in the same transaction.
 */
export const sourcePollState = sqliteTable(
  "source_poll_state",
  {
    integrationId: text("integration_id")
      .notNull()
      .references(() => integration.id, { onDelete: "cascade" }),
    /** The system's location (ABC club number), as on the integration's location map. */
    locationId: text("location_id").notNull(),
    /** Every change before this instant is stored; the next window starts here (less the overlap). */
    watermarkMs: epochMs("watermark_ms").notNull(),
    /** The last successful poll ("checked 3 minutes ago"). */
    checkedAtMs: epochMs("checked_at_ms"),
    /** A poll in flight holds the club until then. */
    leaseUntilMs: epochMs("lease_until_ms"),
    /** Why the last poll failed, shown in Sync settings; null after a success. */
    lastError: text("last_error"),
    /** The window of the poll in flight (its identity: a stale step of an older poll finds another window). */
    windowSinceMs: epochMs("window_since_ms"),
    windowUntilMs: epochMs("window_until_ms"),
    /** The connector's cursor of the next page of the window in flight. */
    cursor: text("cursor"),
  },
  (t) => [
    primaryKey({ columns: [t.integrationId, t.locationId] }),
    index("source_poll_state_lease_idx").on(t.leaseUntilMs),
  ],
);
