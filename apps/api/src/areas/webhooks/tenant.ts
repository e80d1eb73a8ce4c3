import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Databases } from "@uas/db";
import type { AppEnv } from "../../hono-env";

/**
 * Webhooks are delivered to paths that name an integration or a facility, not an organisation: the
 * catalog says whose database the delivery belongs in (ADR 0021), and the rest of the route works on that
 * database. Each lookup is remembered by the isolate (an integration never changes organisation), so
 * the hot path pays no extra round trip. Unknown to the catalog: the catalog's own database, where the
 * route's 404 for an unknown sender follows.
 */
export function routeToOrganisationOf(param: "integrationId" | "facilityId") {
  const find = (databases: Databases, id: string) =>
    param === "integrationId" ? databases.organisationOfIntegration(id) : databases.organisationOfFacility(id);
  return createMiddleware<AppEnv>(async (c, next) => {
    await useOrganisation(c, await find(c.get("databases"), c.req.param(param) ?? ""));
    await next();
  });
}

async function useOrganisation(c: Context<AppEnv>, organisationId: string | undefined): Promise<void> {
  if (organisationId === undefined) return;
  const ctxFor = await c.get("ctxForOrganisation")(organisationId);
  c.set("ctxFor", ctxFor);
  c.set("db", ctxFor({ type: "system" }).db);
}
