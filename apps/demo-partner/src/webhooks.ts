import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { StoreChange } from "./store";
import type { CctvPerson, Member } from "./types";

/** Where to push: the product's webhook URL for this source and the secret it shows (`whsec_…`). */
export interface WebhookTarget {
  url: string;
  secret: string;
}

export type SourceEvent =
  | { type: "member.upserted"; data: Member }
  | { type: "member.removed"; data: { external_id: string; location_ids: string[]; updated_at: string } }
  | { type: "person.identified"; data: CctvPerson }
  | { type: "person.removed"; data: { person_id: string; updated_at: string } };

export interface PushOptions {
  /** Attempts per event, the first included. */
  maxAttempts?: number;
  /** First backoff for 5xx and network errors; doubles per attempt. 429 waits for its Retry-After instead. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Events in flight at once. */
  concurrency?: number;
}

export interface PushRecord {
  id: string;
  type: SourceEvent["type"];
  /** `accepted` / `duplicate` from a 202; `failed` after a 4xx or when attempts ran out. */
  outcome: "accepted" | "duplicate" | "failed";
  attempts: number;
  lastStatus: number | null;
}

export interface PushStats {
  pending: number;
  accepted: number;
  duplicate: number;
  failed: number;
  /** The most recent outcomes, newest last (at most 50). */
  recent: PushRecord[];
}

const RECENT = 50;

/**
 * Signs and POSTs one event per request, as a Standard Webhooks sender: the webhook-id stays the same
 * across retries (it is the receiver's idempotency key), the timestamp and signature are made afresh
 * for each attempt. 429 is retried after its Retry-After, 5xx and network errors with backoff, other
 * 4xx are not retried: the request itself is wrong.
 */
export class WebhookPusher {
  readonly #target: WebhookTarget;
  readonly #signer: Webhook;
  readonly #options: Required<PushOptions>;
  readonly #waiting: Array<() => void> = [];
  readonly #inFlight = new Set<Promise<PushRecord>>();
  readonly #stats: PushStats = { pending: 0, accepted: 0, duplicate: 0, failed: 0, recent: [] };
  readonly #wakers = new Set<() => void>();
  #running = 0;
  #closed = false;

  constructor(target: WebhookTarget, options: PushOptions = {}) {
    this.#target = target;
    this.#signer = new Webhook(target.secret);
    this.#options = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, concurrency: 8, ...options };
  }

  get stats(): PushStats {
    return structuredClone(this.#stats);
  }

  push(event: SourceEvent): Promise<PushRecord> {
    const id = `msg_${randomUUID().replaceAll("-", "")}`;
    this.#stats.pending += 1;
    const delivery = this.#slot()
      .then(() => this.#deliver(id, event))
      .finally(() => {
        this.#running -= 1;
        this.#waiting.shift()?.();
      });
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
    return delivery;
  }

  /** Resolves once every event pushed so far has an outcome. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops retry waits early; events still waiting are recorded as failed. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#wakers) wake();
  }

  async #slot(): Promise<void> {
    if (this.#running >= this.#options.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running += 1;
  }

  async #deliver(id: string, event: SourceEvent): Promise<PushRecord> {
    const body = JSON.stringify(event);
    let lastStatus: number | null = null;
    let attempts = 0;
    let outcome: PushRecord["outcome"] = "failed";
    while (attempts < this.#options.maxAttempts && !this.#closed) {
      attempts += 1;
      const wait = await this.#attempt(id, body).then(
        (res) => {
          lastStatus = res.status;
          if (res.status === 202) {
            outcome = res.duplicate ? "duplicate" : "accepted";
            return null;
          }
          if (res.status === 429) return res.retryAfterMs ?? this.#backoff(attempts);
          if (res.status >= 500) return this.#backoff(attempts);
          return null;
        },
        () => this.#backoff(attempts),
      );
      if (wait === null) break;
      if (attempts < this.#options.maxAttempts) await this.#sleep(wait);
    }
    const record: PushRecord = { id, type: event.type, outcome, attempts, lastStatus };
    this.#stats.pending -= 1;
    this.#stats[outcome] += 1;
    this.#stats.recent.push(record);
    if (this.#stats.recent.length > RECENT) this.#stats.recent.shift();
    if (outcome === "failed")
      console.error(
        `demo-partner: webhook ${id} (${event.type}) failed after ${attempts} attempt(s), last HTTP ${lastStatus ?? "none"}`,
      );
    return record;
  }

  async #attempt(
    id: string,
    body: string,
  ): Promise<{ status: number; duplicate: boolean; retryAfterMs: number | null }> {
    const timestamp = new Date();
    const res = await fetch(this.#target.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": this.#signer.sign(id, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const duplicate = res.status === 202 && /"status"\s*:\s*"duplicate"/.test(text);
    const retryAfter = Number(res.headers.get("retry-after"));
    return {
      status: res.status,
      duplicate,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    };
  }

  #backoff(attempts: number): number {
    return Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (attempts - 1));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

/** A removal is stamped now, and never before the record's own `updated_at`, so it wins over it. */
function removalTime(previous: string): string {
  const at = Math.max(Date.now(), Date.parse(previous) + 1000);
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function memberEvent(change: StoreChange<Member>): SourceEvent {
  if (change.type === "upserted") return { type: "member.upserted", data: change.record };
  const { external_id, location_ids, updated_at } = change.record;
  return { type: "member.removed", data: { external_id, location_ids, updated_at: removalTime(updated_at) } };
}

export function cctvEvent(change: StoreChange<CctvPerson>): SourceEvent {
  if (change.type === "upserted") return { type: "person.identified", data: change.record };
  return {
    type: "person.removed",
    data: { person_id: change.record.person_id, updated_at: removalTime(change.record.updated_at) },
  };
}

/** `GET /control/webhooks`: each pusher's counters; null / absent where no target is configured. */
export interface WebhookStatus {
  members: PushStats | null;
  cctv: Record<string, PushStats>;
}
