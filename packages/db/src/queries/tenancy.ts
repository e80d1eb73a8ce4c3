import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { facility, facilityGrant, organisation, organisationMember } from "../schema";

/** The facilities an admin was granted, with their organisation. */
export async function listGrantedFacilities(db: DbOrTx, userId: string) {
  return db
    .select({
      id: facility.id,
      name: facility.name,
      timeZone: facility.timeZone,
      countryCode: facility.countryCode,
      organisationId: facility.organisationId,
      organisationName: organisation.name,
    })
    .from(facilityGrant)
    .innerJoin(facility, eq(facility.id, facilityGrant.facilityId))
    .innerJoin(organisation, eq(organisation.id, facility.organisationId))
    .where(eq(facilityGrant.userId, userId))
    .orderBy(facility.name);
}

/** The granted facility, or undefined: callers answer "not found" either way, so ids don't leak. */
export async function findGrantedFacility(db: DbOrTx, userId: string, facilityId: string) {
  const [row] = await db
    .select({
      id: facility.id,
      name: facility.name,
      organisationId: facility.organisationId,
      timeZone: facility.timeZone,
      countryCode: facility.countryCode,
    })
    .from(facilityGrant)
    .innerJoin(facility, eq(facility.id, facilityGrant.facilityId))
    .where(and(eq(facilityGrant.userId, userId), eq(facilityGrant.facilityId, facilityId)))
    .limit(1);
  return row;
}

export async function findOrganisationRole(db: DbOrTx, userId: string, organisationId: string) {
  const [row] = await db
    .select({ role: organisationMember.role })
    .from(organisationMember)
    .where(and(eq(organisationMember.userId, userId), eq(organisationMember.organisationId, organisationId)))
    .limit(1);
  return row?.role;
}
