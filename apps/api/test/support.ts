import { env, SELF } from "cloudflare:test";
import {
  createDb,
  insertAdmin,
  insertOrganisation,
  insertFacility,
  grantFacilities,
  addOrganisationMember,
  newId,
  type Db,
} from "@uas/db";

export const ORIGIN = "http://web.test";

/**
 * The tests' database (vitest.config.ts binds it). The Worker's types make DATABASE_URL optional: the
 * production configuration has none until a deploy sets it.
 */
export const TEST_DATABASE_URL: string = env.DATABASE_URL ?? missingBinding("DATABASE_URL");

function missingBinding(name: string): never {
  throw new Error(`${name} is not bound: vitest.config.ts binds it`);
}

export function testDb(): Db {
  return createDb({ url: TEST_DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN });
}

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

/** A fresh organisation with two facilities and an admin granted only the first one. */
export async function createTenant(db: Db = testDb()) {
  const now = Date.now();
  const organisation = await insertOrganisation(db, { name: `Org ${newId("t")}` }, now);
  const granted = await insertFacility(
    db,
    { organisationId: organisation.id, name: "Granted", timeZone: "Europe/London", countryCode: "GB" },
    now,
  );
  const ungranted = await insertFacility(
    db,
    { organisationId: organisation.id, name: "Not granted", timeZone: "Europe/London", countryCode: "GB" },
    now,
  );
  const admin = { id: newId("usr"), email: `${newId("admin")}@example.com`, password: "correct horse battery" };
  await insertAdmin(db, { ...admin, name: "Admin" }, now);
  await addOrganisationMember(db, { userId: admin.id, organisationId: organisation.id, role: "owner" });
  await grantFacilities(db, admin.id, [granted.id]);
  return { organisation, granted, ungranted, admin };
}

/** Signs in through the Worker (or, for the reliability harness, through its own `fetch`). */
export async function signIn(
  email: string,
  password: string,
  fetcher: (request: Request) => Promise<Response> = (request) => SELF.fetch(request),
): Promise<string> {
  const res = await fetcher(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email, password }),
    }),
  );
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get("set-cookie");
  if (!cookie) throw new Error("sign-in set no cookie");
  return cookie.split(";")[0]!;
}

type TrpcResponse = {
  status: number;
  body: { result?: { data: unknown }; error?: { message: string; data: { code: string; httpStatus: number } } };
};

export async function trpcQuery(path: string, input: unknown, cookie?: string): Promise<TrpcResponse> {
  const url = `${ORIGIN}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await SELF.fetch(url, { headers: cookie ? { cookie } : {} });
  return { status: res.status, body: await res.json() };
}

export async function trpcMutation(path: string, input: unknown, cookie?: string): Promise<TrpcResponse> {
  const res = await SELF.fetch(`${ORIGIN}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: await res.json() };
}

/** A queue binding that records what the Worker sends instead of delivering it. */
export function recordingQueue() {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue;
  return { queue, sent };
}
