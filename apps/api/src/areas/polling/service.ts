import { ConnectorError, type ContractRecord } from "@uas/connectors";
import {
  commitPollStep,
  ensurePollStates,
  failPoll,
  findPollTarget,
  leasePolls,
  listFreePollStates,
  openSystemCredentials,
  type IntegrationSystem,
  type PollStateRow,
} from "@uas/db";
import { integrationSender } from "@uas/engine";
import { DEFAULT_POLL_SETTINGS, beginPoll, endPoll, pollDue, type PollSettings, type PollState } from "@uas/domain";
import type { Ctx } from "../../context";
import { errorSummary } from "../../log";
import { SYSTEM_LABELS, connectionContext, nativeConnector } from "../../sources/native";
import { removal, upserted } from "../webhooks/native";
import { sendApplyMessages } from "../webhooks/service";
import type { PollStepMessage } from "./step-message";

/**
 * ABC Ignite's "Continuous": a delta poll from the cron, with a watermark per club
 * (docs/adr/0018-abc-ignite-polling.md). The cron leases the due clubs and sends one `poll.step` each;
 * a step reads a bounded run of the window's pages through the connector, stores the changes in the webhook
 * inbox as synthetic deliveries (applied by the batched event path, ADR 0009) and, on the last page, moves
 * the watermark, in the same transaction.
 */

/** The systems whose continuous sync is a poll: those with deltas and no webhooks. */
export const POLLED_SYSTEMS: IntegrationSystem[] = ["abc-ignite"];

/** Pages one `poll.step` reads (1,000 ABC members) before it sends its continuation. */
export const POLL_PAGES_PER_STEP = 5;
/** Clubs the cron looks at per minute; more wait for the next minute (oldest check first). */
const POLL_CANDIDATES_PER_CRON = 500;
const SEND_BATCH_LIMIT = 100;

export const pollSettingsOf = (ctx: Ctx): PollSettings => ({
  ...DEFAULT_POLL_SETTINGS,
  intervalMs: ctx.tuning.pollIntervalMs,
});

const stateOf = (row: PollStateRow): PollState => ({
  watermarkMs: row.watermarkMs,
  checkedAtMs: row.checkedAtMs,
  leaseUntilMs: row.leaseUntilMs,
  lastError: row.lastError,
});

/** Run from the every-minute cron: lease the clubs that are due and send each its first `poll.step`. */
export async function startDuePolls({ ctx }: { ctx: Ctx }): Promise<{ enqueued: number }> {
  const now = ctx.now();
  const settings = pollSettingsOf(ctx);
  await ensurePollStates(ctx.db, { systems: POLLED_SYSTEMS, now });
  const free = await listFreePollStates(ctx.db, { now, limit: POLL_CANDIDATES_PER_CRON });
  const wanted = free
    .filter((row) => pollDue(stateOf(row), now, settings))
    .map((row) => {
      const { window, state } = beginPoll(stateOf(row), now, settings);
      return {
        integrationId: row.integrationId,
        locationId: row.locationId,
        leaseUntilMs: state.leaseUntilMs as number,
        windowSinceMs: window.sinceMs,
        windowUntilMs: window.untilMs,
      };
    });
  const leased = await leasePolls(ctx.db, wanted, now);
  const messages = leased.map(
    (lease): PollStepMessage => ({
      type: "poll.step",
      version: 1,
      integrationId: lease.integrationId,
      locationId: lease.locationId,
      window: { sinceMs: lease.windowSinceMs, untilMs: lease.windowUntilMs },
      cursor: null,
    }),
  );
  // A send that fails leaves its clubs leased: the lease expires and the next cron sends them again.
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) {
    await ctx.queues.sync.sendBatch(messages.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
  }
  return { enqueued: messages.length };
}

/** A change read in a window as an inbox row: re-reading the same version of a member inserts nothing new. */
function inboxEventOf(locationId: string, record: ContractRecord, kind: "upsert" | "removal") {
  const externalId = String(record.external_id ?? "");
  const updatedAt = String(record.updated_at ?? "");
  return {
    webhookId: `poll:${locationId}:${externalId}:${updatedAt}`,
    payload: JSON.stringify(kind === "upsert" ? upserted(record) : removal(record)),
  };
}

export type PollStepOutcome =
  | { status: "stale" }
  | { status: "failed"; reason: string }
  | { status: "continued"; stored: number }
  | { status: "done"; stored: number; watermarkMs: number };

/**
 * One `poll.step`: up to `POLL_PAGES_PER_STEP` pages of the window, stored with the poll's new state in
 * one transaction. A `ConnectorError` (ABC's 200 with no members and a reason among them) ends the poll as
 * failed: the watermark stays and the reason is shown.
 */
export async function runPollStep({ ctx, input }: { ctx: Ctx; input: PollStepMessage }): Promise<PollStepOutcome> {
  const key = { integrationId: input.integrationId, locationId: input.locationId };
  const target = await findPollTarget(ctx.db, key);
  // Gone, disconnected, or leased for another window since (a late duplicate of an older poll's step).
  if (!target?.connected || target.state.windowUntilMs !== input.window.untilMs) return { status: "stale" };
  const connector = nativeConnector(target.system);
  if (!connector?.supportsDelta) {
    const reason = `${SYSTEM_LABELS[target.system]} has no change listing to poll`;
    await failPoll(ctx.db, key, input.window.untilMs, reason);
    return { status: "failed", reason };
  }
  const events: Array<{ webhookId: string; payload: string }> = [];
  let cursor = input.cursor;
  try {
    const credentials = await openSystemCredentials(ctx.secrets, target.credentials);
    // Pages as large as the Worker's listings ask (LISTING_PAGE_SIZE), within the system's own maximum.
    const connection = connectionContext(ctx, target.baseUrl, credentials);
    const context = { ...connection, tuning: { ...connection.tuning, pageSize: ctx.tuning.listing.pageSize } };
    const since = new Date(input.window.sinceMs).toISOString();
    for (let page = 0; page < POLL_PAGES_PER_STEP; page++) {
      const listed = await connector.listPage(context, { locationIds: [key.locationId], cursor, since });
      for (const record of listed.records) events.push(inboxEventOf(key.locationId, record, "upsert"));
      for (const record of listed.removals ?? []) events.push(inboxEventOf(key.locationId, record, "removal"));
      cursor = listed.nextCursor;
      if (cursor === null) break;
    }
  } catch (error) {
    const reason =
      error instanceof ConnectorError
        ? error.message
        : `${SYSTEM_LABELS[target.system]} could not be read (${errorSummary(error)})`;
    await failPoll(ctx.db, key, input.window.untilMs, reason);
    return { status: "failed", reason };
  }

  const now = ctx.now();
  const sender = integrationSender(key.integrationId);
  // Fresh as of the window's end (when the cron began the poll): "checked N minutes ago" and the interval
  // count from there, so a club polled every minute is due at the next minute's cron however long the read took.
  const ended =
    cursor === null ? endPoll(stateOf(target.state), input.window, { ok: true, atMs: input.window.untilMs }) : null;
  const { insertedIds, current } = await commitPollStep(ctx.db, {
    key,
    windowUntilMs: input.window.untilMs,
    inbox: { sender, organisationId: target.organisationId, receivedAt: now, events },
    next:
      ended === null
        ? { kind: "more", cursor: cursor as string }
        : { kind: "done", watermarkMs: ended.watermarkMs, checkedAtMs: ended.checkedAtMs, lastError: null },
  });
  // Stored rows the queue does not hear of are `received`: the webhook sweeper sends them a minute on.
  await sendApplyMessages(
    ctx,
    insertedIds.map((webhookId) => ({ sender, webhookId })),
  ).catch((error: unknown) => console.error("polled changes stored but not enqueued", sender, errorSummary(error)));
  if (!current) return { status: "stale" };
  if (ended === null) {
    await ctx.queues.sync.send({ ...input, cursor } satisfies PollStepMessage);
    return { status: "continued", stored: insertedIds.length };
  }
  return { status: "done", stored: insertedIds.length, watermarkMs: ended.watermarkMs };
}
