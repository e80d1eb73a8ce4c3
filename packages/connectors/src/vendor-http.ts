import pRetry, { AbortError } from "p-retry";
import { type ConnectionContext, ConnectorError } from "./connector";

/**
 * One GET to a member system, as the connectors of issue 15 make it: a timeout, no redirect followed
 * (ADR 0012), retries with backoff on 429 / 5xx / network errors (honouring `Retry-After`, capped), and
 * every attempt counted (quotas are per call). Any other status is returned for the connector to word.
 */
export type VendorAnswer = { status: number; body: unknown; calls: number };

/** Spaces calls to one account so a pass stays under a published rate (Glofox: about 10 requests/s). */
export class Pacer {
  readonly #next = new Map<string, number>();
  constructor(readonly intervalMs: number) {}

  async wait(key: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#next.get(key) ?? 0);
    this.#next.set(key, at + this.intervalMs);
    if (this.#next.size > 1000) this.#next.delete(this.#next.keys().next().value as string);
    if (at > now) await sleep(at - now);
  }
}

const RETRY_AFTER_CAP_S = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function vendorGet(
  context: ConnectionContext<unknown>,
  url: URL,
  headers: Record<string, string>,
  options: { system: string; pacer?: Pacer; paceKey?: string },
): Promise<VendorAnswer> {
  const tuning = context.tuning ?? {};
  let calls = 0;
  const attempt = async (): Promise<VendorAnswer> => {
    if (options.pacer) await options.pacer.wait(options.paceKey ?? url.origin);
    calls += 1;
    const res = await context.fetch(url.toString(), {
      headers: { accept: "application/json", ...headers },
      signal: AbortSignal.timeout(tuning.timeoutMs ?? 10_000),
      redirect: "manual",
    });
    if (res.status >= 300 && res.status < 400) {
      throw new AbortError(
        new ConnectorError(
          "unreachable",
          `${options.system} answered a redirect (${res.status}), which is not followed: check the base URL`,
          res.status,
        ),
      );
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      if (res.ok) {
        throw new AbortError(
          new ConnectorError("source-error", `${options.system} answered ${res.status} with a body that is not JSON`),
        );
      }
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) await sleep(Math.min(retryAfter, RETRY_AFTER_CAP_S) * 1000);
      throw res.status === 429
        ? new ConnectorError("rate-limited", `${options.system} kept answering 429 (too many requests)`, 429)
        : new ConnectorError("source-error", `${options.system} answered ${res.status}`, res.status);
    }
    return { status: res.status, body, calls };
  };
  try {
    const answer = await pRetry(attempt, {
      retries: tuning.retries ?? 3,
      minTimeout: tuning.minRetryDelayMs ?? 500,
      factor: 2,
      randomize: true,
    });
    return { ...answer, calls };
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectorError("unreachable", `${options.system} could not be reached: ${reason}`);
  }
}

/** The vendor's own error text, when its body carries one under a known key. */
export function vendorMessage(body: unknown, read: (body: Record<string, unknown>) => unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const message = read(body as Record<string, unknown>);
  return typeof message === "string" && message !== "" ? message : null;
}
