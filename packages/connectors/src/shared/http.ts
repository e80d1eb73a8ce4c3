import pRetry, { AbortError } from "p-retry";
import { type ConnectionContext, type ConnectionProblem, ConnectorError } from "../connector";

/**
 * The connectors' one HTTP helper. One outbound call: the injected `fetch` (the Worker's outbound policy),
 * a timeout, retries of 429 / 5xx / network failures (honouring `Retry-After` up to a ceiling) and a count
 * of every attempt, because quotas (Mindbody's daily calls) count attempts, not successes. A redirect is
 * never followed (it could lead anywhere, credentials and all) and not retried; neither is a
 * `ConnectorError` the injected fetch throws (the Worker's URL policy refusing the address, ADR 0016).
 * `getJson` is the partner contract's reading of it (partner API and CCTV).
 */

export type CallCounter = { calls: number };

export type CallRequest = {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: unknown;
};

export type CallAnswer = { status: number; body: unknown; headers: Headers };

export type CallOptions = {
  /** Statuses handed back to the caller instead of thrown (e.g. 404 for "not found"). */
  pass?: readonly number[];
  /** The system's own reading of a failed answer; undefined = the default by status. */
  problemFor?: (
    status: number,
    body: unknown,
    headers: Headers,
  ) => { problem: ConnectionProblem; message: string } | undefined;
  /** The words for a call that got no answer (the fetch failed for `reason`); default "The system could not be reached (…)". */
  unreachable?: (reason: string) => string;
};

/** A `Retry-After` longer than this is not waited for: it is a quota, not a burst (Mindbody answers "until midnight"). */
export const MAX_RETRY_AFTER_MS = 30_000;

class RetryableAnswer extends Error {
  constructor(
    readonly answer: ConnectorError,
    readonly retryAfterMs: number,
  ) {
    super(answer.message);
  }
}

function retryAfterMs(headers: Headers): number {
  const raw = headers.get("retry-after");
  if (raw === null) return 0;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}

function defaultProblem(status: number): ConnectionProblem {
  if (status === 401) return "wrong-credentials";
  if (status === 403) return "no-permission";
  if (status === 429) return "rate-limited";
  return "source-error";
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function call(
  context: ConnectionContext<unknown>,
  counter: CallCounter,
  request: CallRequest,
  options: CallOptions = {},
): Promise<CallAnswer> {
  const timeoutMs = context.tuning?.timeoutMs ?? 15_000;
  const attempt = async (): Promise<CallAnswer> => {
    counter.calls += 1;
    let response: Response;
    try {
      response = await context.fetch(request.url, {
        method: request.method ?? "GET",
        headers: {
          Accept: "application/json",
          ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
          ...request.headers,
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // The Worker's outbound policy refused the address: final, never retried.
      if (error instanceof ConnectorError) throw new AbortError(error);
      const reason = error instanceof Error ? error.message : String(error);
      const message = options.unreachable?.(reason) ?? `The system could not be reached (${reason})`;
      throw new RetryableAnswer(new ConnectorError("unreachable", message), 0);
    }
    const body = await readBody(response);
    const { status, headers } = response;
    if ((status >= 200 && status < 300) || options.pass?.includes(status)) return { status, body, headers };
    const own = options.problemFor?.(status, body, headers);
    if (status >= 300 && status < 400)
      throw new AbortError(
        new ConnectorError("unreachable", own?.message ?? `The system answered a redirect (HTTP ${status})`, status),
      );
    const problem = own?.problem ?? defaultProblem(status);
    const message = own?.message ?? `The system answered HTTP ${status}`;
    const failure = new ConnectorError(problem, message, status);
    const wait = retryAfterMs(headers);
    const retryable = (problem === "rate-limited" && wait <= MAX_RETRY_AFTER_MS) || problem === "source-error";
    if (retryable && (status === 429 || status >= 500)) throw new RetryableAnswer(failure, wait);
    throw new AbortError(failure);
  };
  try {
    return await pRetry(attempt, {
      retries: context.tuning?.retries ?? 3,
      minTimeout: context.tuning?.minRetryDelayMs ?? 500,
      factor: 2,
      onFailedAttempt: async ({ error, retriesLeft, retryDelay }) => {
        // Wait what the system asked for, beyond p-retry's own backoff.
        if (error instanceof RetryableAnswer && retriesLeft > 0 && error.retryAfterMs > retryDelay)
          await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs - retryDelay));
      },
    });
  } catch (error) {
    if (error instanceof RetryableAnswer) throw error.answer;
    if (error instanceof AbortError && error.originalError instanceof ConnectorError) throw error.originalError;
    throw error;
  }
}

/** A listing page's body failed the system's schema: the page cannot be trusted. */
export function malformed(what: string, detail: string): ConnectorError {
  return new ConnectorError("source-error", `The system's ${what} did not have the expected shape (${detail})`);
}

const CONTRACT_TIMEOUT_MS = 10_000;

function contractProblem(status: number): { problem: ConnectionProblem; message: string } {
  if (status >= 300 && status < 400)
    return {
      problem: "unreachable",
      message: `the source answered a redirect (${status}), which is not followed: check its base URL`,
    };
  return { problem: defaultProblem(status), message: `the source answered ${status}` };
}

/**
 * GET of a partner-contract endpoint (partner API, CCTV) with the given headers: a JSON body, or
 * `{ status: 404, body: null }` for a person the source no longer has.
 */
export async function getJson(
  context: ConnectionContext<unknown>,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const answer = await call(
    { ...context, tuning: { ...context.tuning, timeoutMs: context.tuning?.timeoutMs ?? CONTRACT_TIMEOUT_MS } },
    { calls: 0 },
    { url, headers },
    { pass: [404], problemFor: contractProblem, unreachable: (reason) => reason },
  );
  if (answer.status === 404) return { status: 404, body: null };
  if (answer.body === null || typeof answer.body === "string")
    throw new ConnectorError("source-error", "the source answered with a body that is not JSON", answer.status);
  return { status: answer.status, body: answer.body };
}
