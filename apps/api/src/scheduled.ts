import type { Bindings } from "./bindings";
import { compose, stampOrganisation } from "./composition";
import { MINUTE_CRON, QUARTER_HOUR_CRON, runCronOn } from "./areas/cron/service";
import type { CronRunMessage } from "./areas/cron/run-message";
import { pruneSignInThrottle } from "@uas/db";
import { SIGN_IN_WINDOW_MS } from "./areas/auth/sign-in-throttle";
import { POLLED_SYSTEMS } from "./areas/polling/service";

const SEND_BATCH_LIMIT = 100;

/**
 * Both crons, over every database (ADR 0021): the catalog's own organisations are worked on here; each
 * organisation with a database of its own gets a `cron.run` message, which the sync consumer runs on that
 * database with the same functions. So the cron's own cost is one read of the directory and one send per
 * hundred databases, however many organisations there are, and one database that cannot be reached
 * holds back no other. The minute cron wakes only the organisations with a polled system connected.
 */
export async function handleScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  const composition = compose(env);
  // The night is judged by when the cron was due, not by when a late invocation happens to run.
  const now = () => controller.scheduledTime;
  const cron = controller.cron === MINUTE_CRON ? MINUTE_CRON : QUARTER_HOUR_CRON;
  // The minute's only work is the delta polls: organisations without a polled system are left asleep.
  const [, ...named] = await composition.databases.list(
    cron === MINUTE_CRON ? { connectedTo: POLLED_SYSTEMS } : undefined,
  );
  const runs = named.map(({ organisationId }) => ({
    body: stampOrganisation(
      {
        type: "cron.run",
        version: 1,
        cron,
        scheduledTime: controller.scheduledTime,
      } satisfies CronRunMessage,
      organisationId,
    ),
  }));
  for (let i = 0; i < runs.length; i += SEND_BATCH_LIMIT) {
    await composition.ctxFor({ type: "cron" }).queues.sync.sendBatch(runs.slice(i, i + SEND_BATCH_LIMIT));
  }
  await runCronOn(composition.ctxFor({ type: "cron" }, now), cron);
  if (cron === QUARTER_HOUR_CRON) {
    await pruneSignInThrottle(composition.db, { before: now() - SIGN_IN_WINDOW_MS, limit: 1000 });
  }
}
