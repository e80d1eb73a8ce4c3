export * from "./ports";
export * from "./passes";
export * from "./advance-pass";
export * from "./chain-pass";
export type { PageMember } from "./apply-pages";
export * from "./finish-pass";
export * from "./step-opening";
export * from "./held-pass";
export * from "./source-event";
export * from "./inbox-apply";
export * from "./dry-run";
export {
  loadFacilityContext,
  loadLocationMap,
  planSettingsFor,
  type FacilitySyncContext,
  type SettingsOverride,
} from "./source-context";
export { loadPersonRows } from "./row-store";
export type { HeldSampleItem } from "./sweep";
export { drizzleHandle } from "./store-handle";
export * from "./invitation-outbox";
export * from "./inbox";
export * from "./retention";
