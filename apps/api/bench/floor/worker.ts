/**
 * The floors of the benches. `POST /v1/access/check` (bench:access): the least a door check can do —
 * parse the body and answer from one indexed read of the person's row through the same local libSQL
 * endpoint, over the same client; no key, rules or decision. Every other POST (bench:webhooks): the least a webhook receiver can do and still answer 202 honestly.
 * It verifies the same Standard Webhooks signature with the same code as the product
 * (src/webhooks/signature.ts) and durably inserts one row (keyed by webhook-id, so a repeat is a
 * duplicate) through the same local libSQL endpoint, over the same client. No sender lookup, rate limit,
 * schema, queue or sender stamp: what the product does beyond that is what the ratio measures.
 */
import { createClient } from "@libsql/client/web";
import { verifyWebhookSignature } from "../../src/webhooks/signature";

type FloorEnv = { DATABASE_URL: string; DATABASE_AUTH_TOKEN?: string; FLOOR_WEBHOOK_SECRET: string };

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    if (request.method !== "POST") return new Response("ok");
    if (new URL(request.url).pathname === "/v1/access/check") return doorFloor(request, env);
    const body = new Uint8Array(await request.arrayBuffer());
    const verification = await verifyWebhookSignature({
      headers: {
        id: request.headers.get("webhook-id") ?? undefined,
        timestamp: request.headers.get("webhook-timestamp") ?? undefined,
        signature: request.headers.get("webhook-signature") ?? undefined,
      },
      body,
      secrets: [env.FLOOR_WEBHOOK_SECRET],
      nowMs: Date.now(),
    });
    if (!verification.ok)
      return Response.json({ error: { code: "invalid_signature", message: verification.message } }, { status: 401 });
    const client = createClient({ url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN });
    const inserted = await client.execute({
      sql: "INSERT INTO bench_floor_inbox (webhook_id, payload, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      args: [verification.webhookId, new TextDecoder().decode(body), Date.now()],
    });
    return Response.json(
      { id: verification.webhookId, status: inserted.rowsAffected === 1 ? "accepted" : "duplicate" },
      { status: 202 },
    );
  },
};

async function doorFloor(request: Request, env: FloorEnv): Promise<Response> {
  const body = (await request.json()) as { facilityId?: string; userId?: string };
  const client = createClient({ url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN });
  const result = await client.execute({
    sql: "SELECT access_until FROM access_user WHERE facility_id = ? AND id = ?",
    args: [body.facilityId ?? "", body.userId ?? ""],
  });
  const row = result.rows[0];
  if (!row) return Response.json({ error: { code: "not_found", message: "User not found" } }, { status: 404 });
  return Response.json({ allowed: Number(row.access_until) > Date.now(), reason: null, until: null });
}
