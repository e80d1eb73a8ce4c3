/**
 * Calls per key per UTC day (a quota is a counter the tests and the bench read, not only a wall) and a
 * per-second window for systems that throttle bursts.
 */
export class DailyQuota {
  readonly #limit: number;
  readonly #now: () => number;
  #day = "";
  readonly #calls = new Map<string, number>();

  constructor(limit: number, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Counts one call; returns the calls made today by this key, this one included. */
  count(key: string): number {
    this.#roll();
    const calls = (this.#calls.get(key) ?? 0) + 1;
    this.#calls.set(key, calls);
    return calls;
  }

  calls(key: string): number {
    this.#roll();
    return this.#calls.get(key) ?? 0;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Seconds until the quota resets at the next UTC midnight (for Retry-After). */
  secondsUntilReset(): number {
    const now = this.#now();
    const next = new Date(now);
    next.setUTCHours(24, 0, 0, 0);
    return Math.max(1, Math.ceil((next.getTime() - now) / 1000));
  }

  snapshot(): { date: string; limit: number; keys: Record<string, { calls: number; overQuota: number }> } {
    this.#roll();
    return {
      date: this.#day,
      limit: this.#limit,
      keys: Object.fromEntries(
        [...this.#calls].map(([key, calls]) => [key, { calls, overQuota: Math.max(0, calls - this.#limit) }]),
      ),
    };
  }

  reset(): void {
    this.#calls.clear();
  }

  #roll(): void {
    const day = new Date(this.#now()).toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.#calls.clear();
    }
  }
}

/** At most `perSecond` requests in any one-second window; counts the ones it turned away. */
export class PerSecondLimit {
  readonly perSecond: number;
  readonly #now: () => number;
  #windowStart = 0;
  #inWindow = 0;
  throttled = 0;

  constructor(perSecond: number, now: () => number) {
    this.perSecond = perSecond;
    this.#now = now;
  }

  /** True when the request may proceed. */
  take(): boolean {
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#inWindow >= this.perSecond) {
      this.throttled += 1;
      return false;
    }
    this.#inWindow += 1;
    return true;
  }

  /** Whole seconds until the window reopens (Retry-After). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.#windowStart + 1000 - this.#now()) / 1000));
  }
}
