import type { EmailProvider, OutgoingEmail, SendResult } from "./provider";

export const DEFAULT_RESEND_API_URL = "https://api.resend.com";

export type ResendOptions = {
  /** Resend's API, or anything that speaks it (the local mailbox). */
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

type ResendError = { statusCode?: number; name?: string; message?: string };

/**
 * Resend over HTTP: `POST {base}/emails` with a bearer key and an `Idempotency-Key`, so a repeated
 * send of the same invitation is answered with the first email instead of a second one.
 */
export function resendProvider(options: ResendOptions): EmailProvider {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, "")}/emails`;
  return {
    async send(email: OutgoingEmail, { idempotencyKey }): Promise<SendResult> {
      if (!options.apiKey)
        return { ok: false, error: "Email is not configured: RESEND_API_KEY is not set", retryable: false };
      let res: Response;
      try {
        res = await doFetch(url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify(email),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "could not be reached";
        return { ok: false, error: `The email provider ${reason}`, retryable: true };
      }
      const body = (await res.json().catch(() => ({}))) as ResendError & { id?: unknown };
      if (res.ok && typeof body.id === "string") return { ok: true, providerMessageId: body.id };
      if (res.ok) return { ok: false, error: "The email provider answered without an email id", retryable: true };
      // The key was used before with other content (the person's details changed after a send whose
      // answer we lost): that email went out, so this one counts as sent rather than sending again.
      if (res.status === 409 && body.name === "invalid_idempotent_request")
        return { ok: true, providerMessageId: null };
      const detail = [body.name, body.message].filter(Boolean).join(": ") || res.statusText;
      return {
        ok: false,
        error: `The email provider answered ${res.status}${detail ? ` (${detail})` : ""}`,
        retryable: res.status === 429 || res.status === 409 || res.status >= 500,
      };
    },
  };
}
