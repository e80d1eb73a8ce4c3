import type { Auth } from "../areas/auth/auth";
import type { Actor, Ctx, CtxFor } from "../context";

export type TrpcContext = Ctx<Actor> & {
  requestId: string;
  /** The same call's context over an organisation's database (ADR 0021), once the procedure knows which. */
  forOrganisation: (organisationId: string) => Promise<Ctx<Actor>>;
};

/**
 * The use-case context of a tRPC call: the composition root's, for the admin the session names (or
 * anonymous), over the catalog; facility and organisation procedures (trpc/init.ts) move it to the
 * organisation's database.
 */
export async function createTrpcContext(
  ctxFor: CtxFor,
  ctxForOrganisation: (organisationId: string | undefined) => Promise<CtxFor>,
  auth: Auth,
  headers: Headers,
): Promise<TrpcContext> {
  const session = await auth.api.getSession({ headers });
  const actor: Actor = session
    ? { type: "admin", userId: session.user.id, email: session.user.email }
    : { type: "anonymous" };
  const base = ctxFor(actor);
  return {
    ...base,
    requestId: crypto.randomUUID(),
    forOrganisation: async (organisationId) => {
      const organisationCtx = (await ctxForOrganisation(organisationId))(actor, base.now);
      return { ...organisationCtx, publicUrl: base.publicUrl };
    },
  };
}
