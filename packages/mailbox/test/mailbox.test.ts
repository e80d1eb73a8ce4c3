import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startMailbox, type Mailbox, type MailboxOptions } from "../src";

const KEY = "re_test_key";
const open: Mailbox[] = [];

async function start(options: Partial<MailboxOptions> = {}) {
  const mailbox = await startMailbox({ apiKey: KEY, ...options });
  open.push(mailbox);
  return mailbox;
}

afterEach(async () => {
  for (const mailbox of open.splice(0)) await mailbox.close();
});

const email = (overrides: Record<string, unknown> = {}) => ({
  from: "Northside <invitations@example.com>",
  to: ["ada@example.com"],
  subject: "You're invited",
  html: "<p>Hello</p>",
  text: "Hello",
  tags: [{ name: "facility_id", value: "fac_1" }],
  ...overrides,
});

async function post(mailbox: Mailbox, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${mailbox.url}/emails`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function get(mailbox: Mailbox, path: string) {
  const res = await fetch(`${mailbox.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /emails", () => {
  it("keeps the email and answers its id, like Resend", async () => {
    const mailbox = await start();
    const sent = await post(mailbox, email());
    expect(sent.status).toBe(200);
    expect(sent.body.id).toEqual(expect.any(String));
    const read = await get(mailbox, `/emails/${String(sent.body.id)}`);
    expect(read.body).toMatchObject({
      object: "email",
      to: ["ada@example.com"],
      subject: "You're invited",
      html: "<p>Hello</p>",
      text: "Hello",
    });
  });

  it("stores one email per Idempotency-Key and answers the same id again", async () => {
    const mailbox = await start();
    const first = await post(mailbox, email(), { "idempotency-key": "invite/usr_1" });
    const again = await post(mailbox, email(), { "idempotency-key": "invite/usr_1" });
    expect(again).toEqual(first);
    expect(mailbox.store.size).toBe(1);
    expect(mailbox.store.get(String(first.body.id))?.requests).toBe(2);
    // Another key is another email.
    await post(mailbox, email(), { "idempotency-key": "invite/usr_2" });
    expect(mailbox.store.size).toBe(2);
  });

  it("refuses a reused key with a different payload (409) and stores nothing", async () => {
    const mailbox = await start();
    await post(mailbox, email(), { "idempotency-key": "k" });
    const conflict = await post(mailbox, email({ subject: "Other" }), { "idempotency-key": "k" });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });
    expect(mailbox.store.size).toBe(1);
  });

  it("answers 422 validation_error for a missing recipient or body, 401/403 without the right key", async () => {
    const mailbox = await start();
    expect(await post(mailbox, email({ to: [] }))).toMatchObject({ status: 422, body: { name: "validation_error" } });
    expect(await post(mailbox, email({ html: undefined, text: undefined }))).toMatchObject({ status: 422 });
    expect(await post(mailbox, email({ tags: [{ name: "facility id", value: "x" }] }))).toMatchObject({ status: 422 });
    const noKey = await fetch(`${mailbox.url}/emails`, { method: "POST", body: JSON.stringify(email()) });
    expect(noKey.status).toBe(401);
    const wrongKey = await fetch(`${mailbox.url}/emails`, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
      body: JSON.stringify(email()),
    });
    expect(wrongKey.status).toBe(403);
    expect(mailbox.store.size).toBe(0);
  });
});

describe("the failure switch", () => {
  it("fails sends while on, without using up the idempotency key, and recovers when off", async () => {
    const mailbox = await start();
    const on = await fetch(`${mailbox.url}/control/fail-sends`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ enabled: true }),
    });
    expect(await on.json()).toEqual({ enabled: true, rate: 1, status: 500, match: null });
    const failed = await post(mailbox, email(), { "idempotency-key": "invite/usr_9" });
    expect(failed).toMatchObject({ status: 500, body: { name: "application_error" } });
    expect(mailbox.store.size).toBe(0);

    mailbox.failSends.enabled = false;
    const ok = await post(mailbox, email(), { "idempotency-key": "invite/usr_9" });
    expect(ok.status).toBe(200);
    expect(mailbox.store.size).toBe(1);
  });

  it("with a match, fails only sends to matching recipients", async () => {
    const mailbox = await start({ failSends: { enabled: true, match: "@fail.example" } });
    expect((await post(mailbox, email({ to: ["ada@FAIL.example"] }))).status).toBe(500);
    expect((await post(mailbox, email({ to: ["ada@example.com"] }))).status).toBe(200);
    expect(mailbox.store.size).toBe(1);
  });

  it("fails about the given share of sends", async () => {
    let i = 0;
    const sequence = [0.1, 0.9, 0.2, 0.8];
    const mailbox = await start({
      failSends: { enabled: true, rate: 0.5, status: 503 },
      random: () => sequence[i++ % 4]!,
    });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await post(mailbox, email({ subject: `S${n}` }))).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
  });
});

describe("reading", () => {
  it("lists newest first, filtered by recipient or tag", async () => {
    const mailbox = await start();
    await post(mailbox, email({ subject: "one" }));
    await post(
      mailbox,
      email({ subject: "two", to: ["bob@example.com"], tags: [{ name: "facility_id", value: "fac_2" }] }),
    );
    await post(mailbox, email({ subject: "three" }));
    const all = await get(mailbox, "/emails");
    expect((all.body.data as Array<{ subject: string }>).map((e) => e.subject)).toEqual(["three", "two", "one"]);
    const bob = await get(mailbox, "/emails?to=BOB@example.com");
    expect((bob.body.data as Array<{ subject: string }>).map((e) => e.subject)).toEqual(["two"]);
    const fac1 = await get(mailbox, "/emails?tag=facility_id:fac_1");
    expect((fac1.body.data as Array<{ subject: string }>).map((e) => e.subject)).toEqual(["three", "one"]);
  });

  it("keeps every email and key in its state file across restarts", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "mailbox-")), "mailbox.json");
    const first = await start({ stateFile });
    const sent = await post(first, email(), { "idempotency-key": "invite/usr_1" });
    await first.close();
    open.splice(open.indexOf(first), 1);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).emails).toHaveLength(1);

    const second = await start({ stateFile });
    expect(await post(second, email(), { "idempotency-key": "invite/usr_1" })).toEqual(sent);
    expect(second.store.size).toBe(1);
  });
});
