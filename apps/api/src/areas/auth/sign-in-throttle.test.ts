import { describe, it, expect } from "vitest";
import { SELF, env, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { eq, like } from "drizzle-orm";
import { signInThrottle as throttleTable } from "@uas/db";
import { createApp } from "../../app";
import { SIGN_IN_LIMITS } from "./sign-in-throttle";
import { createTenant, ORIGIN, testDb } from "../../../test/support";

const db = testDb();
let addressCounter = 0;
/** A client address of its own per test, so tests do not share the per-address count. */
const newAddress = () => `203.0.113.${++addressCounter}-${crypto.randomUUID().slice(0, 8)}`;

function attempt(
  email: string,
  password: string,
  address?: string,
  fetcher: (r: Request) => Promise<Response> = (r) => SELF.fetch(r),
) {
  return fetcher(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: ORIGIN,
        ...(address ? { "cf-connecting-ip": address } : {}),
      },
      body: JSON.stringify({ email, password }),
    }),
  );
}

describe("sign-in brute force", () => {
  it("answers 429 with Retry-After once an account has had its wrong passwords, even to the right one", async () => {
    const { admin } = await createTenant(db);
    const address = newAddress();
    for (let i = 0; i < SIGN_IN_LIMITS.account; i += 1) {
      expect((await attempt(admin.email, `wrong-${i}`, address)).status).toBe(401);
    }
    const limited = await attempt(admin.email, "wrong-again", address);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(((await limited.json()) as { message: string }).message).toMatch(/Too many sign-in attempts/);
    // The right password does not get through while the account is limited, from any address.
    expect((await attempt(admin.email, admin.password, newAddress())).status).toBe(429);
    expect((await attempt(admin.email.toUpperCase(), admin.password)).status).toBe(429);
  });

  it("counts attempts that race: of many wrong passwords at once, no more than the limit are checked", async () => {
    const { admin } = await createTenant(db);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(admin.email, `race-${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(SIGN_IN_LIMITS.account);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(12 - SIGN_IN_LIMITS.account);
  });

  it("limits one client address across accounts (password spraying)", async () => {
    const address = newAddress();
    for (let i = 0; i < SIGN_IN_LIMITS.address; i += 1) {
      expect((await attempt(`nobody-${i}-${crypto.randomUUID()}@example.com`, "guess", address)).status).toBe(401);
    }
    const { admin } = await createTenant(db);
    expect((await attempt(admin.email, admin.password, address)).status).toBe(429);
    // The same account from another address is fine: it had no failures.
    expect((await attempt(admin.email, admin.password, newAddress())).status).toBe(200);
  });

  it("counts only failed guesses: a success clears the account's count; other refusals are given back", async () => {
    const { admin } = await createTenant(db);
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < SIGN_IN_LIMITS.account - 1; i += 1)
        expect((await attempt(admin.email, "wrong")).status).toBe(401);
      expect((await attempt(admin.email, admin.password)).status).toBe(200);
    }
    // A request refused for its origin is no guess.
    for (let i = 0; i < SIGN_IN_LIMITS.account + 2; i += 1) {
      const res = await SELF.fetch(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: "http://evil.test" },
          body: JSON.stringify({ email: admin.email, password: "wrong" }),
        }),
      );
      expect(res.status).toBe(403);
    }
    expect((await attempt(admin.email, admin.password)).status).toBe(200);
  });

  it("keeps the count in the database, so another isolate sees it, and lets the account in once the window ends", async () => {
    const { admin } = await createTenant(db);
    for (let i = 0; i < SIGN_IN_LIMITS.account; i += 1) expect((await attempt(admin.email, "wrong")).status).toBe(401);
    const [row] = await db
      .select()
      .from(throttleTable)
      .where(eq(throttleTable.key, `account:${admin.email.toLowerCase()}`));
    expect(row?.failures).toBe(SIGN_IN_LIMITS.account);

    // A Worker built from scratch (nothing shared in memory with the one above) refuses too.
    const otherIsolate = createApp();
    const fetchOther = async (request: Request) => {
      const ctx = createExecutionContext();
      const res = await otherIsolate.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await attempt(admin.email, admin.password, undefined, fetchOther)).status).toBe(429);

    await db
      .update(throttleTable)
      .set({ windowStartedAt: Date.now() - 16 * 60_000 })
      .where(like(throttleTable.key, `account:${admin.email.toLowerCase()}`));
    expect((await attempt(admin.email, admin.password)).status).toBe(200);
  });

  it("refuses a wrong password without leaving an unhandled rejection behind (patches/better-call@1.4.5.patch)", async () => {
    const { admin } = await createTenant(db);
    const rejections: unknown[] = [];
    const listener = (event: PromiseRejectionEvent) => rejections.push(event.reason);
    addEventListener("unhandledrejection", listener);
    try {
      expect((await attempt(admin.email, "wrong", newAddress())).status).toBe(401);
      expect((await attempt(`nobody-${crypto.randomUUID()}@example.com`, "guess", newAddress())).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      removeEventListener("unhandledrejection", listener);
    }
    expect(rejections).toEqual([]);
  });
});
