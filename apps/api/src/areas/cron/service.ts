import { listFacilitiesWithSourceOn, listNightlyPassKeys } from "@uas/db";
import {
  dueNightlyDateAt,
  isIntegrationScoped,
  localTimesAt,
  nightlyStartOffsetMinutes,
  sourcesOn,
  type SyncSource,
} from "@uas/domain";
import type { Ctx } from "../../context";
import { CHAIN_START_MAX, type PassStartMessage } from "../passes/start-message";
import type { SyncQueueMessage } from "../passes/sync-message";
import { sweepStuckWebhooks } from "../webhooks/service";
import { sweepInvitations } from "../invitations/service";
import { resumeStalledPasses } from "../passes/service";
import { resealSecrets } from "../integrations/sealed-secrets";
import { endAccessGraces } from "../access/grace";
import { enqueueRetention } from "../retention/service";
import { startDuePolls } from "../polling/service";

/** The crons (wrangler.jsonc): the quarter hour (nightly fan-out and housekeeping) and the minute (delta polls, ADR 0018). */
export const QUARTER_HOUR_CRON = "*/15 * * * *";
export const MINUTE_CRON = "* * * * *";

const SEND_BATCH_LIMIT = 100;

/**
 * The nightly reconciliation: every facility with a source on whose night has come and that has not
 * had tonight's pass gets its pass of each source started. The cron only fans out; passes run in queue
 * consumers, so no invocation does unbounded work. A second or late cron is harmless: the pass is keyed
 * by the facility-local day (unique index), so the consumer starts each day's pass once.
 * Starts are spread over the nightly hour's four crons by a stable minute of the organisation (a hash of
 * its id), so an organisation's facilities in one zone are due at the same cron: their integration
 * passes start together in one `passes.start` (up to CHAIN_START_MAX facilities each) and read each shared
 * listing once (ADR 0020); a lone facility, and every CCTV pass, gets its own `pass.start`. Local time is
 * worked out once per time zone, not per facility.
 */
export async function startDueNightlyPasses({ ctx }: { ctx: Ctx }): Promise<{ enqueued: number }> {
  const now = ctx.now();
  const facilities = await listFacilitiesWithSourceOn(ctx.db);
  const localTimeIn = localTimesAt(now);
  const due = facilities.flatMap((f) => {
    const day = dueNightlyDateAt(localTimeIn(f.timeZone), f.nightlyHour, nightlyStartOffsetMinutes(f.organisationId));
    if (!day) return [];
    return sourcesOn(f).map((source) => ({ ...f, source, day }));
  });
  const done = await listNightlyPassKeys(
    ctx.db,
    [...new Set(due.map((d) => d.facilityId))],
    [...new Set(due.map((d) => d.day))],
  );
  const pending = due.filter((d) => !done.has(`${d.facilityId}|${d.source}|${d.day}`));
  const chains = new Map<string, typeof pending>();
  for (const d of pending) {
    if (!isIntegrationScoped(d.source)) continue;
    const key = `${d.organisationId}|${d.source}`;
    chains.set(key, [...(chains.get(key) ?? []), d]);
  }
  const messages: SyncQueueMessage[] = [];
  for (const d of pending) {
    const chain = isIntegrationScoped(d.source) ? chains.get(`${d.organisationId}|${d.source}`) : undefined;
    if (!chain) messages.push(passStart(d));
    else if (chain[0] === d) messages.push(...chainStarts(chain));
  }
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) {
    await ctx.queues.sync.sendBatch(messages.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
  }
  return { enqueued: messages.length };
}

/** A chain's starts: up to CHAIN_START_MAX facilities a message; a lone facility's is a plain pass.start. */
function chainStarts(chain: { facilityId: string; source: SyncSource; day: string }[]): SyncQueueMessage[] {
  const messages: SyncQueueMessage[] = [];
  for (let i = 0; i < chain.length; i += CHAIN_START_MAX) {
    const part = chain.slice(i, i + CHAIN_START_MAX);
    const [first] = part;
    if (!first) continue;
    if (part.length === 1) messages.push(passStart(first));
    else
      messages.push({
        type: "passes.start",
        version: 1,
        source: first.source,
        trigger: "nightly",
        facilities: part.map((d) => ({ facilityId: d.facilityId, nightlyDate: d.day })),
      });
  }
  return messages;
}

function passStart(d: { facilityId: string; source: SyncSource; day: string }): PassStartMessage {
  return {
    type: "pass.start",
    version: 1,
    facilityId: d.facilityId,
    source: d.source,
    trigger: "nightly",
    nightlyDate: d.day,
  };
}

/** One database's share of a cron: run by the cron itself (the catalog) or by a `cron.run` message. */
export async function runCronOn(ctx: Ctx, cron: typeof QUARTER_HOUR_CRON | typeof MINUTE_CRON): Promise<void> {
  if (cron === MINUTE_CRON) await minuteWork(ctx);
  else await quarterHourWork(ctx);
}

async function minuteWork(ctx: Ctx): Promise<void> {
  const polls = await startDuePolls({ ctx });
  if (polls.enqueued > 0) console.log(`delta polls: ${polls.enqueued} club(s) enqueued`);
}

async function quarterHourWork(ctx: Ctx): Promise<void> {
  const { enqueued } = await startDueNightlyPasses({ ctx });
  console.log(`nightly reconciliation: ${enqueued} pass(es) enqueued`);
  const resumed = await resumeStalledPasses({ ctx });
  if (resumed.resumed > 0) console.log(`pass watchdog: ${resumed.resumed} stalled pass(es) handed a step again`);
  const swept = await sweepStuckWebhooks({ ctx });
  if (swept.enqueued > 0) console.log(`webhook sweeper: ${swept.enqueued} stored webhook(s) enqueued again`);
  const invitations = await sweepInvitations({ ctx });
  if (invitations.relayed + invitations.requeued > 0) {
    console.log(`invitation sweeper: ${invitations.relayed} handed to the queue, ${invitations.requeued} handed again`);
  }
  const graces = await endAccessGraces({ ctx });
  if (graces.ended > 0) {
    console.log(
      `access rules: ${graces.ended} grace period(s) ended; cleared ${graces.latenessP99Ms} ms after their end (p99), ${graces.latenessMaxMs} ms at most`,
    );
  }
  await housekeeping(ctx);
}

/**
 * Retention and secrets at rest (docs/adr/0013-hardening-infra.md): each step bounded, each independent of
 * the others. Activity (90 days), applied inbox rows (14 days) and remembered removals (90 days) are pruned
 * by queue messages, a bounded batch each, so no backlog makes the cron's work unbounded.
 */
export async function housekeeping(ctx: Ctx): Promise<void> {
  await enqueueRetention({ ctx });
  const sealed = await resealSecrets({ ctx });
  if (sealed.resealed > 0) console.log(`secrets at rest: ${sealed.resealed} secret(s) sealed with the current key`);
}
