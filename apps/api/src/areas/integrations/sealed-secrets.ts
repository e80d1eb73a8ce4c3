import { listSecretsToReseal, replaceSealedSecrets } from "@uas/db";
import type { Ctx } from "../../context";

/** Secrets re-sealed per cron run: bounded work, and a few thousand rows are done within a day. */
export const RESEAL_LIMIT = 200;

/**
 * Seals what is not sealed with the current key: values written before encryption (plain) and values
 * sealed with a key being retired (rotation, docs/adr/0013-hardening-infra.md). Each value is written back only
 * if it has not changed since it was read.
 */
export async function resealSecrets({
  ctx,
  limit = RESEAL_LIMIT,
}: {
  ctx: Ctx;
  limit?: number;
}): Promise<{ resealed: number; remaining: boolean }> {
  const stale = await listSecretsToReseal(ctx.db, ctx.secrets.currentKeyId, limit);
  if (stale.length === 0) return { resealed: 0, remaining: false };
  const changes = await Promise.all(
    stale.map(async (secret) => ({ ...secret, sealed: await ctx.secrets.seal(await ctx.secrets.open(secret.stored)) })),
  );
  const resealed = await replaceSealedSecrets(ctx.db, changes);
  return { resealed, remaining: stale.length === limit };
}
