/**
 * An in-memory Cloudflare Queues driver for the night simulation: the producer side of the queue
 * bindings (`send` / `sendBatch`, with Queues' size limits) and delivery of batches of up to the
 * consumer's `max_batch_size` as `MessageBatch` objects whose messages support `ack()` / `retry()`.
 * Semantics follow Cloudflare's: a message neither acked nor retried is acknowledged when the handler
 * returns and retried when it throws; a retried message is delivered again (its `attempts` + 1) until
 * `max_retries`, then goes to the `dead_letter_queue`. Retry delays are recorded, not waited for (the
 * simulation compresses time), so a retried message goes to the back of its queue.
 */
import { readFileSync } from "node:fs";

export type ConsumerConfig = {
  queue: string;
  max_batch_size?: number;
  max_retries?: number;
  dead_letter_queue?: string;
};
export type QueuesConfig = {
  producers: Array<{ binding: string; queue: string }>;
  consumers: ConsumerConfig[];
};

/** wrangler.jsonc's `queues` block (comments stripped outside strings). */
export function readQueuesConfig(wranglerJsonc: string): QueuesConfig {
  const text = readFileSync(wranglerJsonc, "utf8");
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
    } else out += c;
  }
  const parsed = JSON.parse(out.replace(/,(\s*[}\]])/g, "$1")) as { queues: QueuesConfig };
  return parsed.queues;
}

/** Cloudflare Queues' documented producer limits. */
export const QUEUE_LIMITS = { messageBytes: 128_000, batchMessages: 100, batchBytes: 256_000 } as const;

type Pending = { id: string; body: unknown; attempts: number; timestamp: Date };

export type DeliveryOutcome = { acked: number; retried: number; deadLettered: number; dropped: number; threw: boolean };

export type QueueStats = {
  sent: number;
  sendCalls: number;
  maxMessageBytes: number;
  delivered: number;
  retried: number;
  deadLettered: number;
  retryDelaysSeconds: number[];
};

export class SimQueues {
  readonly pending = new Map<string, Pending[]>();
  readonly stats = new Map<string, QueueStats>();
  readonly consumers = new Map<string, ConsumerConfig>();
  /** Binding calls (send / sendBatch) since start: Worker-side I/O that is not a fetch. */
  bindingCalls = 0;
  #nextId = 0;

  constructor(readonly config: QueuesConfig) {
    for (const consumer of config.consumers) this.consumers.set(consumer.queue, consumer);
    for (const name of new Set([...config.producers.map((p) => p.queue), ...this.consumers.keys()])) this.#queue(name);
  }

  #queue(name: string): Pending[] {
    let list = this.pending.get(name);
    if (!list) {
      list = [];
      this.pending.set(name, list);
      this.stats.set(name, {
        sent: 0,
        sendCalls: 0,
        maxMessageBytes: 0,
        delivered: 0,
        retried: 0,
        deadLettered: 0,
        retryDelaysSeconds: [],
      });
    }
    return list;
  }

  #enqueue(name: string, bodies: unknown[]) {
    const stats = this.stats.get(name)!;
    let total = 0;
    const copies = bodies.map((body) => {
      const json = JSON.stringify(body);
      const bytes = Buffer.byteLength(json);
      if (bytes > QUEUE_LIMITS.messageBytes) throw new Error(`Queue ${name}: message of ${bytes} bytes exceeds 128 KB`);
      stats.maxMessageBytes = Math.max(stats.maxMessageBytes, bytes);
      total += bytes;
      return JSON.parse(json) as unknown;
    });
    if (bodies.length > QUEUE_LIMITS.batchMessages)
      throw new Error(`Queue ${name}: sendBatch of ${bodies.length} messages exceeds 100`);
    if (total > QUEUE_LIMITS.batchBytes) throw new Error(`Queue ${name}: sendBatch of ${total} bytes exceeds 256 KB`);
    const list = this.#queue(name);
    for (const body of copies) list.push({ id: `msg-${++this.#nextId}`, body, attempts: 1, timestamp: new Date() });
    stats.sent += copies.length;
    stats.sendCalls += 1;
    this.bindingCalls += 1;
  }

  /** The producer binding a Worker sees (`env.SYNC_QUEUE`). */
  producer(name: string) {
    return {
      send: async (body: unknown) => {
        this.#enqueue(name, [body]);
      },
      sendBatch: async (messages: Iterable<{ body: unknown }>) => {
        this.#enqueue(
          name,
          [...messages].map((m) => m.body),
        );
      },
    };
  }

  size(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  /** The next queue with messages, in config order (sync before its DLQ), or undefined when all are empty. */
  nextQueue(): string | undefined {
    for (const [name, list] of this.pending) if (list.length > 0 && this.consumers.has(name)) return name;
    return undefined;
  }

  /**
   * Takes up to max_batch_size messages of `name` and hands them to `handler` as a MessageBatch.
   * `onSettle(index)` is called the first time a message is acked or retried (per-message attribution).
   */
  async deliver(
    name: string,
    handler: (batch: MessageBatch<unknown>) => Promise<void>,
    onSettle: (index: number, body: unknown) => void,
  ): Promise<{ outcome: DeliveryOutcome; bodies: unknown[]; error?: unknown }> {
    const consumer = this.consumers.get(name)!;
    const list = this.pending.get(name)!;
    const taken = list.splice(0, consumer.max_batch_size ?? 10);
    const stats = this.stats.get(name)!;
    stats.delivered += taken.length;
    const decisions: Array<{ kind: "ack" | "retry"; delaySeconds: number } | undefined> = taken.map(() => undefined);
    const decide = (index: number, kind: "ack" | "retry", delaySeconds = 0) => {
      if (decisions[index] === undefined) onSettle(index, taken[index]!.body);
      decisions[index] = { kind, delaySeconds };
    };
    const messages: Message<unknown>[] = taken.map((p, index) => ({
      id: p.id,
      timestamp: p.timestamp,
      body: p.body,
      attempts: p.attempts,
      ack: () => decide(index, "ack"),
      retry: (options?: QueueRetryOptions) => decide(index, "retry", options?.delaySeconds ?? 0),
    }));
    const batch: MessageBatch<unknown> = {
      queue: name,
      messages,
      metadata: { metrics: { backlogCount: list.length, backlogBytes: 0, oldestMessageTimestamp: list[0]?.timestamp } },
      ackAll: () => {
        for (const m of messages) m.ack();
      },
      retryAll: (options?: QueueRetryOptions) => {
        for (const m of messages) m.retry(options);
      },
    };
    let threw = false;
    let error: unknown;
    try {
      await handler(batch);
    } catch (caught) {
      threw = true;
      error = caught;
    }
    const outcome: DeliveryOutcome = { acked: 0, retried: 0, deadLettered: 0, dropped: 0, threw };
    taken.forEach((p, index) => {
      const decision = decisions[index] ?? { kind: threw ? "retry" : "ack", delaySeconds: 0 };
      if (decision.kind === "ack") {
        outcome.acked += 1;
        return;
      }
      stats.retried += 1;
      stats.retryDelaysSeconds.push(decision.delaySeconds);
      if (p.attempts >= 1 + (consumer.max_retries ?? 3)) {
        if (consumer.dead_letter_queue) {
          this.#queue(consumer.dead_letter_queue).push({ ...p, attempts: 1 });
          stats.deadLettered += 1;
          outcome.deadLettered += 1;
        } else outcome.dropped += 1;
        return;
      }
      outcome.retried += 1;
      list.push({ ...p, attempts: p.attempts + 1 });
    });
    return { outcome, bodies: taken.map((p) => p.body), ...(threw ? { error } : {}) };
  }
}
