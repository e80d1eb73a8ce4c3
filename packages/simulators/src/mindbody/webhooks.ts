import { randomBytes, randomUUID } from "node:crypto";
import { Deliverer, headProbe, type DeliveryCounters } from "../shared/deliver";
import { mindbodySignature } from "./signature";
import { isoSeconds, type EventId, type SubscriptionStatus } from "./types";

export interface Subscription {
  subscriptionId: string;
  /** The developer API key that created it: each developer sees only its own. */
  ownerKey: string;
  status: SubscriptionStatus;
  subscriptionCreationDateTime: string;
  statusChangeDate: string;
  statusChangeMessage: string | null;
  statusChangeUser: string;
  eventIds: string[];
  eventSchemaVersion: number;
  referenceId: string;
  webhookUrl: string;
  messageSignatureKey: string;
  metrics: {
    messagesAttempted: number;
    messagesDelivered: number;
    messagesUndelivered: number;
    messagesFailed: number;
  };
  consecutiveFailedAttempts: number;
}

export interface MindbodyDeliveryOptions {
  /** An answer slower than this fails the attempt (Mindbody: 10 s). */
  timeoutMs?: number;
  /** Mindbody retries for hours (every 15 min for 3 h by the public rate-limit profile); shorten in tests. */
  retryDelaysMs?: number[];
  /** Consecutive failed attempts after which the subscription is DeactivatedTooManyFailedMessageDeliveryAttempts. */
  deactivateAfterConsecutiveFailures?: number;
  /** The HEAD probe's timeout before activation. */
  probeTimeoutMs?: number;
}

export interface PublishedMessage {
  messageId: string;
  subscriptionId: string;
  body: string;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/** The Webhooks API's subscriptions and the delivery of events to them. */
export class SubscriptionRegistry {
  readonly subscriptions = new Map<string, Subscription>();
  readonly deliverer: Deliverer;
  readonly #now: () => number;
  readonly #deactivateAfter: number;
  readonly probeTimeoutMs: number;
  /** Recent messages by id, so the control endpoint can replay one exactly (a replayed messageId). */
  readonly #recent = new Map<string, PublishedMessage>();

  constructor(now: () => number, options: MindbodyDeliveryOptions = {}) {
    this.#now = now;
    this.deliverer = new Deliverer({
      timeoutMs: options.timeoutMs ?? 10_000,
      retryDelaysMs: options.retryDelaysMs ?? Array.from({ length: 12 }, () => FIFTEEN_MINUTES),
    });
    this.#deactivateAfter = options.deactivateAfterConsecutiveFailures ?? 50;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 10_000;
  }

  create(input: {
    ownerKey: string;
    eventIds: string[];
    eventSchemaVersion: number;
    referenceId: string;
    webhookUrl: string;
    messageSignatureKey?: string;
    status?: SubscriptionStatus;
  }): Subscription {
    const at = isoSeconds(this.#now());
    const subscription: Subscription = {
      subscriptionId: randomUUID(),
      ownerKey: input.ownerKey,
      status: input.status ?? "PendingActivation",
      subscriptionCreationDateTime: at,
      statusChangeDate: at,
      statusChangeMessage: null,
      statusChangeUser: "Developer",
      eventIds: input.eventIds,
      eventSchemaVersion: input.eventSchemaVersion,
      referenceId: input.referenceId,
      webhookUrl: input.webhookUrl,
      messageSignatureKey: input.messageSignatureKey ?? randomBytes(24).toString("base64url"),
      metrics: { messagesAttempted: 0, messagesDelivered: 0, messagesUndelivered: 0, messagesFailed: 0 },
      consecutiveFailedAttempts: 0,
    };
    this.subscriptions.set(subscription.subscriptionId, subscription);
    return subscription;
  }

  setStatus(subscription: Subscription, status: SubscriptionStatus, message: string | null, user: string): void {
    subscription.status = status;
    subscription.statusChangeDate = isoSeconds(this.#now());
    subscription.statusChangeMessage = message;
    subscription.statusChangeUser = user;
    if (status === "Active") subscription.consecutiveFailedAttempts = 0;
  }

  probe(url: string): Promise<{ ok: boolean; status: number | null }> {
    return headProbe(url, this.probeTimeoutMs);
  }

  /** Sends the event to every Active subscription that asked for it; returns the message ids. */
  publish(siteId: number, eventId: EventId | string, eventData: Record<string, unknown>): string[] {
    const ids: string[] = [];
    for (const subscription of this.subscriptions.values()) {
      if (subscription.status !== "Active" || !subscription.eventIds.includes(eventId)) continue;
      const messageId = randomUUID();
      const body = JSON.stringify({
        messageId,
        eventId,
        eventSchemaVersion: subscription.eventSchemaVersion,
        eventInstanceOriginationDateTime: isoSeconds(this.#now()),
        eventData: { siteId, ...eventData },
      });
      this.#send({ messageId, subscriptionId: subscription.subscriptionId, body }, eventId);
      ids.push(messageId);
    }
    return ids;
  }

  /** Sends a recent message again, byte for byte (same messageId): a duplicate the receiver must drop. */
  replay(messageId: string): boolean {
    const message = this.#recent.get(messageId);
    if (message === undefined) return false;
    const eventId = (JSON.parse(message.body) as { eventId: string }).eventId;
    this.#send(message, eventId);
    return true;
  }

  /**
   * Recent messages as they were sent (oldest first), with the signature header each carried: lets a test
   * hand an exact signed delivery to a receiver the simulator cannot reach over HTTP.
   */
  recent(eventId?: string): Array<PublishedMessage & { eventId: string; signature: string }> {
    return [...this.#recent.values()].flatMap((message) => {
      const subscription = this.subscriptions.get(message.subscriptionId);
      const sent = (JSON.parse(message.body) as { eventId: string }).eventId;
      if (subscription === undefined || (eventId !== undefined && sent !== eventId)) return [];
      return [
        { ...message, eventId: sent, signature: mindbodySignature(message.body, subscription.messageSignatureKey) },
      ];
    });
  }

  counters(): DeliveryCounters {
    return this.deliverer.counters;
  }

  #send(message: PublishedMessage, eventId: string): void {
    const subscription = this.subscriptions.get(message.subscriptionId);
    if (subscription === undefined) return;
    this.#recent.set(message.messageId, message);
    if (this.#recent.size > 1000) this.#recent.delete(this.#recent.keys().next().value as string);
    void this.deliverer
      .send(
        {
          id: message.messageId,
          event: eventId,
          url: subscription.webhookUrl,
          body: message.body,
          headers: { "X-Mindbody-Signature": mindbodySignature(message.body, subscription.messageSignatureKey) },
        },
        {
          stillWanted: () => subscription.status === "Active",
          onAttempt: (outcome) => {
            subscription.metrics.messagesAttempted += 1;
            if (outcome.ok) {
              subscription.metrics.messagesDelivered += 1;
              subscription.consecutiveFailedAttempts = 0;
              return;
            }
            subscription.metrics.messagesUndelivered += 1;
            subscription.consecutiveFailedAttempts += 1;
            if (subscription.status === "Active" && subscription.consecutiveFailedAttempts >= this.#deactivateAfter) {
              this.setStatus(
                subscription,
                "DeactivatedTooManyFailedMessageDeliveryAttempts",
                `Deactivated after ${subscription.consecutiveFailedAttempts} failed delivery attempts in a row`,
                "Mindbody",
              );
            }
          },
        },
      )
      .then((record) => {
        if (record.outcome === "failed") subscription.metrics.messagesFailed += 1;
      });
  }
}

/** The subscription as the API shows it: never the messageSignatureKey (only the create call shows that). */
export function publicSubscription(subscription: Subscription): Record<string, unknown> {
  const {
    ownerKey: _owner,
    messageSignatureKey: _key,
    metrics: _metrics,
    consecutiveFailedAttempts: _failures,
    ...shown
  } = subscription;
  return shown;
}
