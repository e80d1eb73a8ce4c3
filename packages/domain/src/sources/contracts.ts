import {
  type ParsedListingRecord,
  type ParsedSourceEvent,
  parseCctvEvent,
  parseCctvRecord,
  parseMemberEvent,
  parseMemberRecord,
  parseStoredMemberEvent,
} from "../sync/source-records";
import type { SyncSource } from "./kinds";

/**
 * Each kind's records in the partner contract (partner-contract.md): the listing item and the webhook
 * event. A connector hands records in this shape; these validate and read them. One entry per kind.
 */
export type SourceContract = {
  parseListingRecord(raw: unknown): ParsedListingRecord;
  parseEvent(raw: unknown): ParsedSourceEvent;
  /** An event as the inbox holds it: the contract's, or one only the product's own connectors store. */
  parseStoredEvent(raw: unknown): ParsedSourceEvent;
};

export const SOURCE_CONTRACTS: Record<SyncSource, SourceContract> = {
  integration: {
    parseListingRecord: parseMemberRecord,
    parseEvent: parseMemberEvent,
    parseStoredEvent: parseStoredMemberEvent,
  },
  cctv: { parseListingRecord: parseCctvRecord, parseEvent: parseCctvEvent, parseStoredEvent: parseCctvEvent },
};

/** One item of a listing page (the same shape as the upsert event's `data`). */
export function parseListingRecord(source: SyncSource, raw: unknown): ParsedListingRecord {
  return SOURCE_CONTRACTS[source].parseListingRecord(raw);
}

/** One webhook body. Issue paths are those of the body, e.g. `data.email`, for the 400 response. */
export function parseSourceEvent(source: SyncSource, raw: unknown): ParsedSourceEvent {
  return SOURCE_CONTRACTS[source].parseEvent(raw);
}

/** A stored inbox event (what the engine applies): the contract's events and, for integrations, merges. */
export function parseStoredEvent(source: SyncSource, raw: unknown): ParsedSourceEvent {
  return SOURCE_CONTRACTS[source].parseStoredEvent(raw);
}
