import { z } from "zod";
import type { SubscriptionManager } from "../connector";
import { type CallCounter, malformed } from "../shared/http";
import { type PushPressContext, type PushPressCredentials, issuesText, pushpressCall } from "./api";

export const PUSHPRESS_EVENT_TYPES = [
  "customer.created",
  "customer.details.changed",
  "customer.status.changed",
  "customer.deleted",
  "enrollment.created",
  "enrollment.status.changed",
  "enrollment.deleted",
] as const;

const webhookSchema = z.object({ id: z.string().min(1), url: z.string(), active: z.boolean().optional() });
const createdSchema = webhookSchema.extend({ signingSecret: z.string().min(1) });
const listSchema = z.object({ data: z.array(webhookSchema) });
const rotatedSchema = z.object({ signingSecret: z.string().min(1) });

async function find(context: PushPressContext, counter: CallCounter, url: string) {
  const listed = listSchema.safeParse((await pushpressCall(context, counter, "/webhooks")).body);
  if (!listed.success) throw malformed("webhook list", issuesText(listed.error));
  return listed.data.data.find((webhook) => webhook.url === url);
}

/** A new signing secret for the webhook, through PushPress's rotate endpoint. */
async function rotateSecret(context: PushPressContext, counter: CallCounter, id: string): Promise<string> {
  const rotated = rotatedSchema.safeParse(
    (
      await pushpressCall(context, counter, `/webhooks/${encodeURIComponent(id)}/rotate-signing-secret`, {
        method: "POST",
      })
    ).body,
  );
  if (!rotated.success) throw malformed("rotated secret", issuesText(rotated.error));
  return rotated.data.signingSecret;
}

/**
 * Webhooks through PushPress's API. `ensure` creates the URL's webhook (its answer shows the secret) or, when
 * one exists, rotates its secret (the only way to learn it again) and activates it. Activation is a plain
 * `PATCH …/activate` answered 204 (the official SDK 1.14.0 fails on that bodiless 204).
 */
export const pushpressSubscriptions: SubscriptionManager<PushPressCredentials> = {
  async ensure(context, webhookUrl) {
    const counter: CallCounter = { calls: 0 };
    const existing = await find(context, counter, webhookUrl);
    if (existing === undefined) {
      const created = createdSchema.safeParse(
        (
          await pushpressCall(context, counter, "/webhooks", {
            method: "POST",
            body: { url: webhookUrl, eventTypes: PUSHPRESS_EVENT_TYPES },
          })
        ).body,
      );
      if (!created.success) throw malformed("new webhook", issuesText(created.error));
      if (created.data.active === false)
        await pushpressCall(context, counter, `/webhooks/${encodeURIComponent(created.data.id)}/activate`, {
          method: "PATCH",
        });
      return { signingSecret: created.data.signingSecret };
    }
    await pushpressCall(context, counter, `/webhooks/${encodeURIComponent(existing.id)}`, {
      method: "PATCH",
      body: { eventTypes: PUSHPRESS_EVENT_TYPES },
    });
    const signingSecret = await rotateSecret(context, counter, existing.id);
    if (existing.active !== true)
      await pushpressCall(context, counter, `/webhooks/${encodeURIComponent(existing.id)}/activate`, {
        method: "PATCH",
      });
    return { signingSecret };
  },
  async rotate(context, webhookUrl) {
    const counter: CallCounter = { calls: 0 };
    const existing = await find(context, counter, webhookUrl);
    if (existing === undefined) return pushpressSubscriptions.ensure(context, webhookUrl);
    return { signingSecret: await rotateSecret(context, counter, existing.id) };
  },
};
