/**
 * The floor for `pnpm bench:webhooks`: the least a webhook receiver can do and still answer 202 honestly.
 * It verifies the same Standard Webhooks signature with the same code as the product
 * (the partner contract's connector, packages/connectors) and durably inserts one row (keyed by webhook-id, so a repeat is a
 * duplicate) through the same local libSQL endpoint, over the same client. No sender lookup, rate limit,
 * schema, queue or sender stamp: what the product does beyond that is what the ratio measures.
 */
import { createClient } from "@libsql/client/web";
import { verifyStandardWebhook } from "@uas/connectors";

type FloorEnv = { DATABASE_URL: string; FLOOR_WEBHOOK_SECRET: string };

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    if (request.method !== "POST") return new Response("ok");
    const body = new Uint8Array(await request.arrayBuffer());
    const headers = Object.fromEntries(request.headers);
    const verification = await verifyStandardWebhook(
      { method: request.method, headers, rawBody: "", rawBytes: body, url: request.url },
      [env.FLOOR_WEBHOOK_SECRET],
      Date.now(),
    );
    if (!verification.ok)
      return Response.json({ error: { code: "invalid_signature", message: verification.reason } }, { status: 401 });
    const webhookId = headers["webhook-id"] ?? "";
    const client = createClient({ url: env.DATABASE_URL });
    const inserted = await client.execute({
      sql: "INSERT INTO bench_floor_inbox (webhook_id, payload, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      args: [webhookId, new TextDecoder().decode(body), Date.now()],
    });
    return Response.json(
      { id: webhookId, status: inserted.rowsAffected === 1 ? "accepted" : "duplicate" },
      { status: 202 },
    );
  },
};
