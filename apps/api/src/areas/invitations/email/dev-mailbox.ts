import { Hono } from "hono";
import { findGrantedFacility } from "@uas/db";
import type { AppEnv } from "../../../hono-env";

type MailboxEmail = {
  id: string;
  created_at: string;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
};

/**
 * Development only (APP_ENV=development): the admin app's Mailbox page reads the emails the local
 * mailbox captured for one facility, through the Worker, which holds the provider's key. Anywhere else
 * every route answers 404, as if it did not exist.
 */
export const devMailbox = new Hono<AppEnv>()
  .use("*", async (c, next) => {
    if (c.get("config").APP_ENV !== "development")
      return c.json({ error: { code: "not_found", message: "Not found" } }, 404);
    await next();
  })
  .get("/status", (c) => c.json({ enabled: true }))
  .get("/facilities/:facilityId/emails", async (c) => {
    const session = await c.get("auth")().api.getSession({ headers: c.req.raw.headers });
    if (!session) return c.json({ error: { code: "unauthorized", message: "Sign in to continue" } }, 401);
    const facility = await findGrantedFacility(c.get("databases").catalog, session.user.id, c.req.param("facilityId"));
    if (!facility) return c.json({ error: { code: "not_found", message: "Facility not found" } }, 404);
    const config = c.get("config");
    const tag = `facility_id:${facility.id.replace(/[^\w-]/g, "_")}`;
    const res = await fetch(
      `${config.RESEND_API_URL.replace(/\/+$/, "")}/emails?limit=200&tag=${encodeURIComponent(tag)}`,
      {
        headers: { authorization: `Bearer ${config.RESEND_API_KEY ?? ""}` },
        signal: AbortSignal.timeout(5000),
      },
    ).catch(() => null);
    if (!res?.ok)
      return c.json({ error: { code: "mailbox_unavailable", message: "The local mailbox did not answer" } }, 502);
    const body = (await res.json()) as { data: MailboxEmail[] };
    const emails = body.data.map((e) => ({
      id: e.id,
      createdAt: e.created_at,
      from: e.from,
      to: e.to,
      subject: e.subject,
      html: e.html,
      text: e.text,
    }));
    return c.json({ emails });
  });
