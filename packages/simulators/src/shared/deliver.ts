/**
 * Webhook delivery as the member systems do it: one POST per event, retried on a schedule, an answer
 * slower than the system's timeout counts as a failure, each attempt counted. The message (and its id)
 * stays the same across retries; each system decides how it signs and what a failure means beyond
 * "not 2xx in time".
 */
export interface DeliveryPolicy {
  /** An answer slower than this is a failed attempt (Mindbody 10 s, Glofox 5 s). */
  timeoutMs: number;
  /** Waits before each retry; its length is the number of retries (attempts = length + 1). */
  retryDelaysMs: readonly number[];
  /** Requests in flight at once (default 16): a burst of changes is delivered in parallel, not all at once. */
  concurrency?: number;
}

export interface DeliveryRequest {
  /** The system's own message id, when it has one (Mindbody messageId); otherwise a generated one. */
  id: string;
  event: string;
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type AttemptOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; reason: "status" | "timeout" | "network" };

export interface DeliveryRecord {
  id: string;
  event: string;
  url: string;
  attempts: number;
  outcome: "pending" | "delivered" | "failed" | "cancelled";
  lastStatus: number | null;
  lastError: string | null;
}

export interface DeliveryCounters {
  attempted: number;
  delivered: number;
  /** Attempts that got a failure (non-2xx, timeout, network error). */
  failedAttempts: number;
  /** Messages given up after the last retry. */
  failedMessages: number;
  pending: number;
  recent: DeliveryRecord[];
}

const RECENT = 100;

export class Deliverer {
  readonly #policy: DeliveryPolicy;
  readonly #counters: DeliveryCounters = {
    attempted: 0,
    delivered: 0,
    failedAttempts: 0,
    failedMessages: 0,
    pending: 0,
    recent: [],
  };
  readonly #inFlight = new Set<Promise<DeliveryRecord>>();
  readonly #wakers = new Set<() => void>();
  readonly #waiting: Array<() => void> = [];
  #running = 0;
  #closed = false;

  constructor(policy: DeliveryPolicy) {
    this.#policy = policy;
  }

  get counters(): DeliveryCounters {
    return structuredClone(this.#counters);
  }

  /**
   * Sends until delivered, out of retries, or `stillWanted()` says no (a subscription deactivated
   * meanwhile). `onAttempt` sees every attempt (for per-subscription metrics).
   */
  send(
    request: DeliveryRequest,
    hooks: { onAttempt?: (outcome: AttemptOutcome) => void; stillWanted?: () => boolean } = {},
  ): Promise<DeliveryRecord> {
    const record: DeliveryRecord = {
      id: request.id,
      event: request.event,
      url: request.url,
      attempts: 0,
      outcome: "pending",
      lastStatus: null,
      lastError: null,
    };
    this.#counters.pending += 1;
    this.#remember(record);
    const run = this.#run(request, record, hooks).finally(() => {
      this.#counters.pending -= 1;
      this.#inFlight.delete(run);
    });
    this.#inFlight.add(run);
    return run;
  }

  /** Resolves once every message sent so far has an outcome. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  close(): void {
    this.#closed = true;
    for (const wake of this.#wakers) wake();
  }

  async #run(
    request: DeliveryRequest,
    record: DeliveryRecord,
    hooks: { onAttempt?: (outcome: AttemptOutcome) => void; stillWanted?: () => boolean },
  ): Promise<DeliveryRecord> {
    const attempts = this.#policy.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#closed || (hooks.stillWanted && !hooks.stillWanted())) {
        record.outcome = "cancelled";
        return record;
      }
      const outcome = await this.#attempt(request);
      record.attempts = attempt;
      record.lastStatus = outcome.status;
      record.lastError = outcome.ok ? null : outcome.reason === "status" ? `HTTP ${outcome.status}` : outcome.reason;
      this.#counters.attempted += 1;
      if (outcome.ok) this.#counters.delivered += 1;
      else this.#counters.failedAttempts += 1;
      hooks.onAttempt?.(outcome);
      if (outcome.ok) {
        record.outcome = "delivered";
        return record;
      }
      const wait = this.#policy.retryDelaysMs[attempt - 1];
      if (wait !== undefined) await this.#sleep(wait);
    }
    record.outcome = "failed";
    this.#counters.failedMessages += 1;
    return record;
  }

  async #attempt(request: DeliveryRequest): Promise<AttemptOutcome> {
    if (this.#running >= (this.#policy.concurrency ?? 16))
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running += 1;
    try {
      return await this.#post(request);
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.();
    }
  }

  async #post(request: DeliveryRequest): Promise<AttemptOutcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#policy.timeoutMs);
    try {
      const res = await fetch(request.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...request.headers },
        body: request.body,
        signal: controller.signal,
      });
      // The whole answer must arrive within the timeout, not only its status line.
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300
        ? { ok: true, status: res.status }
        : { ok: false, status: res.status, reason: "status" };
    } catch {
      return { ok: false, status: null, reason: controller.signal.aborted ? "timeout" : "network" };
    } finally {
      clearTimeout(timer);
    }
  }

  #remember(record: DeliveryRecord): void {
    this.#counters.recent.push(record);
    if (this.#counters.recent.length > RECENT) this.#counters.recent.shift();
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

/** `HEAD url` answered 2xx within the timeout (Mindbody's check before it activates a subscription). */
export async function headProbe(url: string, timeoutMs: number): Promise<{ ok: boolean; status: number | null }> {
  try {
    const res = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    return { ok: res.status >= 200 && res.status < 300, status: res.status };
  } catch {
    return { ok: false, status: null };
  }
}
