/**
 * The poll tests' helpers (ADR 0018): the Worker's own minute cron and sync-queue consumer with the sent
 * `poll.step` messages recorded (so a test decides which are delivered, and when: a "restart" drops one),
 * the ABC Ignite simulator's control endpoints, and an ABC integration connected through the admin's API.
 */
import { expect } from "vitest";
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, sourcePollState, updateSyncSettings } from "@uas/db";
import worker from "../src";
import { eventually } from "./invitations-support";
import { recordingQueue, testDb, trpcMutation, type Tenant } from "./support";
import type { PollStepMessage } from "../src/areas/polling/step-message";

export const db = testDb();
export const MINUTE = 60_000;
export const control = (path: string, body: unknown) =>
  fetch(`${env.ABC_URL}/control/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.SIMULATOR_CONTROL_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

export async function addAbcMember(firstName: string): Promise<string> {
  const res = await control("members", {
    firstName,
    lastName: "Polled",
    email: `${firstName.toLowerCase()}@example.com`,
  });
  return ((await res.json()) as { memberId: string }).memberId;
}

/** The minute cron at `at`, its `poll.step` messages recorded instead of sent. */
export async function minuteCron(at: number): Promise<PollStepMessage[]> {
  const { queue, sent } = recordingQueue();
  const ctx = createExecutionContext();
  await worker.scheduled!(
    createScheduledController({ scheduledTime: at, cron: "* * * * *" }),
    { ...env, SYNC_QUEUE: queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return sent as PollStepMessage[];
}

/** Delivers poll steps through the sync queue's consumer; continuations go to a recording queue too. */
export async function deliver(messages: PollStepMessage[]): Promise<{ acked: number; continued: PollStepMessage[] }> {
  const { queue, sent: continued } = recordingQueue();
  const batch = createMessageBatch(
    "sync",
    messages.map((body, i) => ({ id: `poll-${Date.now()}-${i}`, body, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch, { ...env, SYNC_QUEUE: queue }, ctx);
  const result = (await getQueueResult(batch, ctx)) as { explicitAcks: string[] };
  return { acked: result.explicitAcks.length, continued: continued as PollStepMessage[] };
}

export async function connectAbc(tenant: Tenant, cookie: string, name: string): Promise<string> {
  const connected = await trpcMutation(
    "integrations.connect",
    {
      organisationId: tenant.organisation.id,
      name,
      system: "abc-ignite",
      baseUrl: `${env.ABC_URL}/rest`,
      credentials: {
        appId: "test-abc-app",
        appKey: "test-abc-key",
        clubNumber: env.ABC_CLUB,
        clubTimeZone: "America/Chicago",
      },
      locations: [{ locationId: env.ABC_CLUB, facilityId: tenant.granted.id }],
    },
    cookie,
  );
  expect(connected.status).toBe(200);
  await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
  return (connected.body.result?.data as { integrationId: string }).integrationId;
}

export const stateOf = async (integrationId: string) =>
  (await db.select().from(sourcePollState).where(eq(sourcePollState.integrationId, integrationId)))[0]!;
export const mine = (messages: PollStepMessage[], integrationId: string) =>
  messages.filter((m) => m.integrationId === integrationId);

export async function rowOf(facilityId: string, externalId: string) {
  return eventually(
    async () =>
      (
        await db
          .select({ firstName: accessUser.firstName, organisation: accessUser.facilityId })
          .from(accessUser)
          .where(and(eq(accessUser.facilityId, facilityId), eq(accessUser.externalId, externalId)))
      )[0],
    (found) => found !== undefined,
  );
}
