import type { Context as HonoContext } from "hono";
import type { Auth } from "../areas/auth/auth";
import type { Ctx, Actor } from "../context";

export type TrpcContext = Ctx<Actor> & { requestId: string };

/** Builds the use-case context of a tRPC call from the request's session. */
export async function createTrpcContext(base: Omit<Ctx, "actor">, auth: Auth, hono: HonoContext): Promise<TrpcContext> {
  const session = await auth.api.getSession({ headers: hono.req.raw.headers });
  const actor: TrpcContext["actor"] = session
    ? { type: "admin", userId: session.user.id, email: session.user.email }
    : { type: "anonymous" };
  return { ...base, actor, requestId: crypto.randomUUID() } as TrpcContext;
}
