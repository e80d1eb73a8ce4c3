import type { Auth } from "../areas/auth/auth";
import type { Composition } from "../composition";
import type { Actor, Ctx } from "../context";

export type TrpcContext = Ctx<Actor> & { requestId: string };

/** The use-case context of a tRPC call: the composition root's, for the admin the session names (or anonymous). */
export async function createTrpcContext(
  ctxFor: Composition["ctxFor"],
  auth: Auth,
  headers: Headers,
): Promise<TrpcContext> {
  const session = await auth.api.getSession({ headers });
  const actor: Actor = session
    ? { type: "admin", userId: session.user.id, email: session.user.email }
    : { type: "anonymous" };
  return { ...ctxFor(actor), requestId: crypto.randomUUID() };
}
