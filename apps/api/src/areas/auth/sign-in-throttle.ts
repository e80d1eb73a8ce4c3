import { createMiddleware } from "hono/factory";
import { countSignInAttempt, refundSignInAttempt } from "@uas/db";
import type { AppEnv } from "../../hono-env";

/** Failed sign-ins allowed per window: a person mistyping is far below, a guesser far above. */
export const SIGN_IN_LIMITS = { account: 5, address: 20 } as const;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
const MAX_EMAIL_LENGTH = 320;

/** The email a sign-in names, normalised as better-auth compares it; null if the body names none. */
async function emailOf(request: Request): Promise<string | null> {
  try {
    const body = (await request.json()) as { email?: unknown } | null;
    const email = typeof body?.email === "string" ? body.email.trim().toLowerCase() : "";
    return email !== "" && email.length <= MAX_EMAIL_LENGTH ? email : null;
  } catch {
    return null;
  }
}

const limitOf = (key: string) => (key.startsWith("account:") ? SIGN_IN_LIMITS.account : SIGN_IN_LIMITS.address);

/**
 * Sign-in brute force (docs/adr/0013-hardening-infra.md): every attempt is counted per account and per client
 * address before the password is checked, in the database every isolate shares; past the limit the
 * answer is 429 with Retry-After, whatever the password. An attempt that turns out not to be a wrong
 * password is given back (a success also clears the account's count), so only failures accumulate.
 * The client address is Cloudflare's `CF-Connecting-IP`; a request without one is limited per account only.
 */
export const signInThrottle = createMiddleware<AppEnv>(async (c, next) => {
  const db = c.get("db");
  const email = await emailOf(c.req.raw.clone());
  const address = c.req.header("cf-connecting-ip")?.trim();
  const keys = [...(email ? [`account:${email}`] : []), ...(address ? [`ip:${address}`] : [])];
  if (keys.length === 0) return next();

  const now = Date.now();
  const counts = await countSignInAttempt(db, { keys, now, windowMs: SIGN_IN_WINDOW_MS });
  const over = counts.filter((count) => count.failures > limitOf(count.key));
  if (over.length > 0) {
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((Math.max(...over.map((count) => count.windowStartedAt)) + SIGN_IN_WINDOW_MS - now) / 1000),
    );
    const minutes = Math.ceil(retryAfterSeconds / 60);
    // better-auth's error shape: the admin app shows `message`.
    return c.json(
      {
        code: "TOO_MANY_ATTEMPTS",
        message: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      },
      429,
      { "Retry-After": String(retryAfterSeconds) },
    );
  }

  await next();
  if (c.res.status === 401) return;
  const signedIn = c.res.status === 200;
  await refundSignInAttempt(db, {
    forget: signedIn ? keys.filter((key) => key.startsWith("account:")) : [],
    refund: signedIn ? keys.filter((key) => key.startsWith("ip:")) : keys,
  });
});
