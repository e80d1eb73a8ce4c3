import type { Connector, SystemId } from "./connector";
import { mindbodyConnector } from "./mindbody";

/**
 * One entry per system: adding a system is its folder here plus this line (and the domain's source kind).
 * Entries are added as the connectors land (issue 13: partner-api and cctv; 14: mindbody, pushpress;
 * 15: glofox, abc-ignite).
 */
export const CONNECTORS: Partial<Record<SystemId, Connector<any>>> = {
  mindbody: mindbodyConnector,
};

export function connectorFor(system: SystemId): Connector<any> {
  const connector = CONNECTORS[system];
  if (!connector) throw new Error(`no connector for the system "${system}"`);
  return connector;
}
