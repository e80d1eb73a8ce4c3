import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { integration } from "@uas/db";
import type { WebhookSenderRow } from "@uas/engine";
import { testDb } from "../../../test/support";
import { createWebhookTenant, errorOf, member, newWebhookSecret, postSigned } from "../../../test/webhooks-helpers";
import {
  cachedSender,
  confirmSender,
  rememberSender,
  SENDER_CACHE_MS,
  SENDER_REFRESH_AFTER_MS,
  takeRefresh,
  type SenderRead,
} from "./sender-cache";

const db = testDb();
let keys = 0;
const T = 1_000_000;

function sender(current: string): WebhookSenderRow {
  return {
    source: "integration",
    id: "int_cache",
    sender: "integration:int_cache",
    organisationId: "org_cache",
    secrets: { current, previous: null, previousValidUntil: null },
  } as unknown as WebhookSenderRow;
}

/** A fresh cache key with a sender verified at T with the sealed secret `sealed:a`. */
function remembered() {
  keys += 1;
  const key = `test:${keys}`;
  rememberSender(key, { sender: sender("sealed:a"), target: null, current: "a" }, T);
  return key;
}

const read = (current: string): SenderRead => ({ sender: sender(current), target: null });

describe("the sender cache (ADR 0005: a cached sender is trusted at most SENDER_CACHE_MS after the database said so)", () => {
  it("keeps a verified sender for SENDER_CACHE_MS, then reads it again", () => {
    const key = remembered();
    expect(cachedSender(key, T + SENDER_CACHE_MS - 1)?.current).toBe("a");
    expect(cachedSender(key, T + SENDER_CACHE_MS)).toBeUndefined();
    expect(cachedSender(key, T + SENDER_CACHE_MS - 1)).toBeUndefined();
  });

  it("the first request past SENDER_REFRESH_AFTER_MS reads it again in the background, one read at a time", () => {
    const key = remembered();
    expect(takeRefresh(key, T + SENDER_REFRESH_AFTER_MS - 1)).toBe(false);
    expect(takeRefresh(key, T + SENDER_REFRESH_AFTER_MS)).toBe(true);
    expect(takeRefresh(key, T + SENDER_REFRESH_AFTER_MS + 1)).toBe(false);
    // The read did not answer: the entry keeps its age and may be read again.
    confirmSender(key, "failed", T + SENDER_REFRESH_AFTER_MS);
    expect(takeRefresh(key, T + SENDER_REFRESH_AFTER_MS + 2)).toBe(true);
    expect(cachedSender(key, T + SENDER_CACHE_MS)).toBeUndefined();
  });

  it("a read that finds the same current secret keeps the sender from the read's start, never longer", () => {
    const key = remembered();
    const readAt = T + SENDER_REFRESH_AFTER_MS;
    expect(takeRefresh(key, readAt)).toBe(true);
    confirmSender(key, read("sealed:a"), readAt);
    expect(cachedSender(key, readAt + SENDER_CACHE_MS - 1)?.current).toBe("a");
    expect(cachedSender(key, readAt + SENDER_CACHE_MS)).toBeUndefined();
  });

  it("a read that finds the secret replaced, or the sender gone, forgets it at once", () => {
    const replaced = remembered();
    confirmSender(replaced, read("sealed:b"), T + SENDER_REFRESH_AFTER_MS);
    expect(cachedSender(replaced, T + SENDER_REFRESH_AFTER_MS)).toBeUndefined();
    const gone = remembered();
    confirmSender(gone, null, T + SENDER_REFRESH_AFTER_MS);
    expect(cachedSender(gone, T + SENDER_REFRESH_AFTER_MS)).toBeUndefined();
  });
});

describe("a secret replaced without a grace period (Disconnect)", () => {
  it(
    "is refused once SENDER_CACHE_MS has passed since the isolate last read it",
    async () => {
      const t = await createWebhookTenant(db);
      const first = t.integration.webhookSecret;
      expect((await postSigned(t.integrationUrl, first, member())).status).toBe(202);
      await db
        .update(integration)
        .set({ webhookSecret: newWebhookSecret(), previousWebhookSecret: null, previousSecretValidUntil: null })
        .where(eq(integration.id, t.integration.id));
      await new Promise((resolve) => setTimeout(resolve, SENDER_CACHE_MS));
      const late = await postSigned(t.integrationUrl, first, member());
      expect(late.status).toBe(401);
      expect(errorOf(late.body).code).toBe("invalid_signature");
    },
    SENDER_CACHE_MS + 20_000,
  );
});
