import { z } from "zod";
import { ConnectorError, type SubscriptionManager } from "../connector";
import { type CallCounter, call, malformed } from "../shared/http";
import { type MindbodyContext, type MindbodyCredentials, issuesText, webhooksApiBase } from "./api";

/** The events the product subscribes to: people, merges, and what changes a client's membership. */
export const MINDBODY_EVENT_IDS = [
  "client.created",
  "client.updated",
  "client.deactivated",
  "clientProfileMerger.created",
  "clientMembershipAssignment.created",
  "clientMembershipAssignment.cancelled",
  "clientContract.created",
  "clientContract.updated",
  "clientContract.cancelled",
] as const;

const errorsSchema = z.object({
  errors: z.array(z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() })).min(1),
});

function pushProblem(status: number, body: unknown) {
  const parsed = errorsSchema.safeParse(body);
  const first = parsed.success ? parsed.data.errors[0] : undefined;
  const said = first ? ` (Mindbody: ${first.errorType ?? ""} ${first.errorMessage ?? ""})`.replace("( ", "(") : "";
  if (status === 401) return { problem: "wrong-credentials" as const, message: `The API key is not accepted${said}` };
  if (status === 403)
    return { problem: "no-permission" as const, message: `The API key may not manage webhooks${said}` };
  if (status === 400) return { problem: "source-error" as const, message: `Mindbody refused the subscription${said}` };
  return undefined;
}

const subscriptionSchema = z.object({
  subscriptionId: z.string().min(1),
  status: z.string(),
  webhookUrl: z.string(),
});
const createdSchema = subscriptionSchema.extend({ messageSignatureKey: z.string().min(1) });
const listSchema = z.object({ items: z.array(subscriptionSchema) });
const metricsSchema = z.object({
  items: z.array(z.object({ subscriptionId: z.string(), messagesFailed: z.number().int().nonnegative() })),
});

function push(context: MindbodyContext, counter: CallCounter, path: string, method = "GET", body?: unknown) {
  return call(
    context,
    counter,
    {
      url: `${webhooksApiBase(context.baseUrl)}${path}`,
      method,
      headers: { "API-Key": context.credentials.apiKey },
      ...(body === undefined ? {} : { body }),
    },
    { problemFor: pushProblem },
  );
}

/**
 * A new subscription for the URL, activated (Mindbody first probes the URL with HEAD), and then the URL's
 * older subscriptions deactivated. The messageSignatureKey is shown only by the create call, so "ensure" and
 * "rotate" are the same move: there is no other way to learn a key, and no rotation endpoint.
 */
async function subscribe(context: MindbodyContext, webhookUrl: string): Promise<{ signingSecret: string }> {
  const counter: CallCounter = { calls: 0 };
  const listed = listSchema.safeParse((await push(context, counter, "/subscriptions")).body);
  if (!listed.success) throw malformed("subscription list", issuesText(listed.error));
  const created = createdSchema.safeParse(
    (
      await push(context, counter, "/subscriptions", "POST", {
        eventIds: MINDBODY_EVENT_IDS,
        eventSchemaVersion: 1,
        referenceId: webhookUrl.slice(-255),
        webhookUrl,
      })
    ).body,
  );
  if (!created.success) throw malformed("new subscription", issuesText(created.error));
  const { subscriptionId, messageSignatureKey } = created.data;
  try {
    await push(context, counter, `/subscriptions/${encodeURIComponent(subscriptionId)}`, "PATCH", { Status: "Active" });
  } catch (error) {
    if (error instanceof ConnectorError && error.status === 400)
      throw new ConnectorError(
        "unreachable",
        `Mindbody could not reach the webhook URL to activate the subscription (${error.message})`,
        400,
      );
    throw error;
  }
  for (const old of listed.data.items) {
    if (old.webhookUrl !== webhookUrl || old.subscriptionId === subscriptionId) continue;
    if (old.status !== "Active" && old.status !== "PendingActivation") continue;
    await push(context, counter, `/subscriptions/${encodeURIComponent(old.subscriptionId)}`, "DELETE");
  }
  return { signingSecret: messageSignatureKey };
}

export const mindbodySubscriptions: SubscriptionManager<MindbodyCredentials> = {
  ensure: subscribe,
  rotate: subscribe,
  /** Messages Mindbody gave up delivering (`GET /metrics`, `messagesFailed`) over the key's subscriptions. */
  async deliveryFailures(context) {
    const parsed = metricsSchema.safeParse((await push(context, { calls: 0 }, "/metrics")).body);
    if (!parsed.success) throw malformed("metrics", issuesText(parsed.error));
    return parsed.data.items.reduce((sum, item) => sum + item.messagesFailed, 0);
  },
};
