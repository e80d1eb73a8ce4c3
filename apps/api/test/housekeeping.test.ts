/**
 * What the quarter-hour cron keeps in order besides passes: secrets not sealed with the current key get
 * sealed. (Retention is queue work: test/retention.test.ts.)
 */
import { describe, it, expect } from "vitest";
import { env, createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import {
  cctvSource,
  createSecretBox,
  insertCctvSource,
  insertIntegration,
  integration,
  loadSourceCredentials,
  newWebhookSecret,
} from "@uas/db";
import worker from "../src";
import { createTenant, recordingQueue, testDb } from "./support";
import { BASE, signedHeaders } from "./webhooks-helpers";

const db = testDb();

async function runCron(scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "*/15 * * * *" }),
    { ...env, SYNC_QUEUE: recordingQueue().queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** A schema-free signed webhook: 401 means the stored secret did not verify it. */
async function webhookStatus(url: string, secret: string) {
  const body = JSON.stringify({ type: "probe" });
  const res = await worker.fetch(
    new Request(url, { method: "POST", headers: signedHeaders(secret, body), body }),
    env,
    createExecutionContext(),
  );
  await res.body?.cancel();
  return res.status;
}

describe("secrets at rest", () => {
  it("seals secrets written before encryption and re-seals those of a retired key; webhooks and listings keep working", async () => {
    const tenant = await createTenant(db);
    const now = Date.now();
    const [currentKey, retiredKey] = env.SECRETS_KEY.split(",");
    const retired = createSecretBox(retiredKey!);
    const box = createSecretBox(env.SECRETS_KEY);

    const plainSecret = newWebhookSecret();
    const legacy = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Legacy",
        baseUrl: "https://legacy.example",
        apiKey: "plain-api-key-0001",
        webhookSecret: plainSecret,
        locations: {},
      },
      now,
    );
    const oldKeySecret = newWebhookSecret();
    const rotatedOut = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Sealed with the retired key",
        baseUrl: "https://retired.example",
        apiKey: await retired.seal("retired-api-key-0002"),
        webhookSecret: await retired.seal(oldKeySecret),
        locations: {},
      },
      now,
    );
    const cctvSecret = newWebhookSecret();
    await insertCctvSource(
      db,
      {
        facilityId: tenant.granted.id,
        baseUrl: "https://cctv.example",
        apiKey: "plain-cctv-key-0003",
        webhookSecret: cctvSecret,
      },
      now,
    );
    const urls = {
      legacy: `${BASE}/webhooks/integrations/${legacy.id}`,
      rotatedOut: `${BASE}/webhooks/integrations/${rotatedOut.id}`,
      cctv: `${BASE}/webhooks/cctv/${tenant.granted.id}`,
    };
    // Before the cron: read as they are.
    expect(await webhookStatus(urls.legacy, plainSecret)).not.toBe(401);
    expect(await webhookStatus(urls.rotatedOut, oldKeySecret)).not.toBe(401);
    expect(await webhookStatus(urls.cctv, cctvSecret)).not.toBe(401);

    // Each run seals a bounded number; other files' rows may be ahead of these.
    const rows = () =>
      db
        .select()
        .from(integration)
        .where(inArray(integration.id, [legacy.id, rotatedOut.id]));
    const current = `sealed:v1:${currentKey!.split(":")[0]}:`;
    for (let run = 0; run < 20; run += 1) {
      await runCron();
      const [cctvRow] = await db.select().from(cctvSource).where(eq(cctvSource.facilityId, tenant.granted.id));
      const all = [...(await rows()), cctvRow!];
      if (all.every((r) => r.apiKey.startsWith(current) && r.webhookSecret.startsWith(current))) break;
    }
    for (const r of await rows()) {
      expect(r.apiKey).toMatch(new RegExp(`^${current}`));
      expect(r.webhookSecret).toMatch(new RegExp(`^${current}`));
    }
    const [cctvRow] = await db
      .select()
      .from(cctvSource)
      .where(and(eq(cctvSource.facilityId, tenant.granted.id)));
    expect(cctvRow!.webhookSecret).toMatch(new RegExp(`^${current}`));
    expect(JSON.stringify(await rows())).not.toContain("plain-api-key-0001");

    // The same secrets still verify, and the listing gets the same API keys.
    expect(await webhookStatus(urls.legacy, plainSecret)).not.toBe(401);
    expect(await webhookStatus(urls.rotatedOut, oldKeySecret)).not.toBe(401);
    expect(await webhookStatus(urls.cctv, cctvSecret)).not.toBe(401);
    const credentials = await loadSourceCredentials(
      db,
      { organisationId: tenant.organisation.id, facilityId: tenant.granted.id },
      box,
    );
    expect(credentials.integrations.get(legacy.id)?.apiKey).toBe("plain-api-key-0001");
    expect(credentials.integrations.get(rotatedOut.id)?.apiKey).toBe("retired-api-key-0002");
    expect(credentials.cctv?.apiKey).toBe("plain-cctv-key-0003");
  });

  it("opens nothing sealed with a key the ring does not hold", async () => {
    const stranger = createSecretBox(
      `elsewhere:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`,
    );
    const sealed = await stranger.seal("whsec_x");
    await expect(createSecretBox(env.SECRETS_KEY).open(sealed)).rejects.toThrow(/elsewhere/);
  });
});
