import type { RequireIdentifier } from "../vocabulary";
import { SYNCED_DETAIL_FIELDS, type SyncState } from "./ownership";
import type { SourcePerson } from "./source-records";

/**
 * A record's fingerprint at a row (ADR 0019, amendment): a 64-bit hash of the source record, the
 * settings its plan reads that the row does not hold (the facility's country, for phone numbers; the
 * identifier rule) and the row's sync state as the write left it. A pass stores it with every write whose
 * plan had no note; the same record at a row in the same state (nobody, sync or admin, changed it since)
 * plans to nothing: Processed, no write, no note. Any other change to the record, the settings or the
 * row's state gives another fingerprint, and the record is planned in full.
 */
export function recordFingerprint(
  person: SourcePerson,
  state: SyncState,
  settings: { countryCode: string; requireIdentifier: RequireIdentifier },
): string {
  // The whole parsed record (the contract's parser builds it in one key order): a field added to the
  // record is in the fingerprint without a change here.
  const parts: unknown[] = [
    settings.countryCode,
    settings.requireIdentifier,
    person,
    state.sourceUpdatedAt,
    state.removedAtSourceAt,
    state.removalSourceUpdatedAt,
  ];
  for (const field of SYNCED_DETAIL_FIELDS) parts.push(state[field]);
  return hash64(JSON.stringify(parts));
}

/** Two independent 32-bit lanes (cyrb53's mixing), as 16 hex digits. */
function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}
