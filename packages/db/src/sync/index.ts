export * from "./ports";
export * from "./passes";
export * from "./advance-pass";
export * from "./finish-pass";
export * from "./held-pass";
export * from "./source-event";
export * from "./dry-run";
export { loadFacilityContext, type FacilitySyncContext, type SettingsOverride } from "./source-context";
export type { HeldSampleItem } from "./sweep";
