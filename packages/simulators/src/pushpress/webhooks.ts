import { randomBytes, randomUUID } from "node:crypto";
import { Deliverer } from "../shared/deliver";
import { pushpressSignature } from "./signature";

export interface PushPressWebhook {
  id: string;
  url: string;
  appId?: string;
  eventTypes: string[];
  active: boolean;
  signingSecret: string;
}

export interface PushPressDeliveryOptions {
  /** Not published by PushPress; 10 s here. */
  timeoutMs?: number;
  /** Not published by PushPress; 30 s, 2 min, 10 min, 1 h here. */
  retryDelaysMs?: number[];
}

export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

/** The company's webhooks and the signed delivery of events to the active ones. */
export class WebhookRegistry {
  readonly webhooks = new Map<string, PushPressWebhook>();
  readonly deliverer: Deliverer;

  constructor(
    private readonly now: () => number,
    options: PushPressDeliveryOptions = {},
  ) {
    this.deliverer = new Deliverer({
      timeoutMs: options.timeoutMs ?? 10_000,
      retryDelaysMs: options.retryDelaysMs ?? [30_000, 120_000, 600_000, 3_600_000],
    });
  }

  create(input: {
    url: string;
    eventTypes: string[];
    appId?: string;
    signingSecret?: string;
    active?: boolean;
  }): PushPressWebhook {
    const webhook: PushPressWebhook = {
      id: randomUUID(),
      url: input.url,
      ...(input.appId === undefined ? {} : { appId: input.appId }),
      eventTypes: input.eventTypes,
      active: input.active ?? true,
      signingSecret: input.signingSecret ?? newSigningSecret(),
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  /** One POST per active webhook that listens to the event; returns how many deliveries started. */
  publish(event: string, data: Record<string, unknown>): number {
    let started = 0;
    for (const webhook of this.webhooks.values()) {
      if (!webhook.active || !webhook.eventTypes.includes(event)) continue;
      const body = JSON.stringify({ event, created: Math.floor(this.now() / 1000), data });
      // The secret is read when the delivery starts: after a rotation, new deliveries sign with the new one.
      void this.deliverer.send(
        {
          id: randomUUID(),
          event,
          url: webhook.url,
          body,
          headers: { "webhook-signature": pushpressSignature(data, webhook.signingSecret) },
        },
        { stillWanted: () => webhook.active && this.webhooks.has(webhook.id) },
      );
      started += 1;
    }
    return started;
  }
}
