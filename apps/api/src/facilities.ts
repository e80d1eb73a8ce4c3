import { eq } from "drizzle-orm";
import { facility, type DbOrTx } from "@uas/db";

export async function findFacility(db: DbOrTx, facilityId: string) {
  const [row] = await db
    .select({
      id: facility.id,
      organisationId: facility.organisationId,
      timeZone: facility.timeZone,
      nightlyHour: facility.nightlyHour,
    })
    .from(facility)
    .where(eq(facility.id, facilityId))
    .limit(1);
  return row;
}
