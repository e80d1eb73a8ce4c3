import pRetry, { AbortError } from "p-retry";
import { type ConnectionContext, ConnectorError, type ConnectionProblem } from "../connector";

const isTransient = (status: number) => status === 429 || status >= 500;

function problemOf(status: number): ConnectionProblem {
  if (status === 401) return "wrong-credentials";
  if (status === 403) return "no-permission";
  if (status === 429) return "rate-limited";
  if (status >= 300 && status < 400) return "unreachable";
  return "source-error";
}

/**
 * GET with the given headers, a timeout, and retries with backoff on 5xx, 429 and network errors. A
 * redirect is never followed (it could lead anywhere, credentials and all) and is not retried; neither is a
 * `ConnectorError` the injected fetch throws (the Worker's URL policy refusing the address). 404 answers
 * `{ status: 404, body: null }`: a person the source no longer has.
 */
export async function getJson(
  context: ConnectionContext<unknown>,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const tuning = context.tuning ?? {};
  return pRetry(
    async () => {
      let res: Response;
      try {
        res = await context.fetch(url, {
          headers: { accept: "application/json", ...headers },
          signal: AbortSignal.timeout(tuning.timeoutMs ?? 10_000),
          redirect: "manual",
        });
      } catch (error) {
        if (error instanceof ConnectorError) throw new AbortError(error);
        throw error;
      }
      if (res.status === 404) return { status: 404, body: null };
      if (res.status >= 300 && res.status < 400) {
        throw new AbortError(
          new ConnectorError(
            "unreachable",
            `the source answered a redirect (${res.status}), which is not followed: check its base URL`,
            res.status,
          ),
        );
      }
      if (!res.ok) {
        const error = new ConnectorError(problemOf(res.status), `the source answered ${res.status}`, res.status);
        if (!isTransient(res.status)) throw new AbortError(error);
        const retryAfter = Number(res.headers.get("retry-after"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 30) * 1000));
        }
        throw error;
      }
      try {
        return { status: res.status, body: await res.json() };
      } catch {
        throw new ConnectorError("source-error", "the source answered with a body that is not JSON", res.status);
      }
    },
    { retries: tuning.retries ?? 3, minTimeout: tuning.minRetryDelayMs ?? 500, factor: 2, randomize: true },
  );
}
