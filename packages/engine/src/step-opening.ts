import { sql } from "drizzle-orm";
import { sqlText, type Db } from "@uas/db";
import { passRowFrom } from "./pass-row";
import type { SyncPassRow } from "./passes";
import {
  contextStatement,
  contextsFrom,
  locationMapsFrom,
  locationStatement,
  type FacilitySyncContext,
} from "./source-context";

/** What a step opens with: its pass, the facility's context, and the location map of each integration it reads. */
export type StepOpening = {
  pass: SyncPassRow;
  /** Undefined: the facility no longer exists. */
  context: FacilitySyncContext | undefined;
  locationMaps: Map<string, Map<string, string>>;
};

type Raw = Record<string, unknown>;

/**
 * A step's opening reads, keyed by the pass id alone (the facility and the integrations are read through
 * it), as items of one `db.batch`: one request, to which the caller may add reads of its own (the Worker
 * adds the sources' credentials). Read them back with `stepOpeningFrom`.
 */
export function stepOpeningReads(db: Db, passId: string) {
  const facilityOfPass = sqlText`SELECT facility_id FROM sync_pass WHERE id = ${passId}`;
  const integrationsOfPass = sqlText`SELECT t.value->>'integrationId' FROM sync_pass p, json_each(p.progress, '$.targets') t
    WHERE p.id = ${passId}`;
  return [
    db.all<Raw>(sql.raw(sqlText`SELECT * FROM sync_pass WHERE id = ${passId}`.text)),
    db.all<Raw>(sql.raw(contextStatement(facilityOfPass).text)),
    db.all<Raw>(sql.raw(locationStatement(integrationsOfPass).text)),
  ] as const;
}

/** The opening from `stepOpeningReads`' results; undefined when the pass does not exist. */
export function stepOpeningFrom([passes, contexts, locations]: readonly [Raw[], Raw[], Raw[]]):
  | StepOpening
  | undefined {
  const raw = passes[0];
  if (!raw) return undefined;
  const pass = passRowFrom(raw);
  const targets = ((pass.progress as { targets?: { integrationId: string | null }[] } | null)?.targets ?? []).flatMap(
    (t) => (t.integrationId === null ? [] : [t.integrationId]),
  );
  return {
    pass,
    context: contextsFrom(contexts).get(pass.facilityId),
    locationMaps: locationMapsFrom(targets, locations),
  };
}

/** The opening in one request (tests and callers without reads of their own). */
export async function loadStepOpening(db: Db, passId: string): Promise<StepOpening | undefined> {
  const [passes, contexts, locations] = await db.batch(stepOpeningReads(db, passId));
  return stepOpeningFrom([passes, contexts, locations]);
}
