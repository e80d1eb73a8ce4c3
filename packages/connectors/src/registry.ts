import { cctvConnector } from "./cctv";
import type { Connector, SystemId } from "./connector";
import { partnerApiConnector } from "./partner-api";
import { mindbodyConnector } from "./mindbody";
import { pushpressConnector } from "./pushpress";
import { abcIgniteConnector } from "./abc-ignite";
import { glofoxConnector } from "./glofox";
import { gatheringPages } from "./shared/gather-pages";

/**
 * One entry per system: adding a system is its folder here plus this line (and the domain's source kind).
 * Entries are added as the connectors land (issue 13: partner-api and cctv; 14: mindbody, pushpress;
 * 15: glofox, abc-ignite).
 */
export const CONNECTORS: Partial<Record<SystemId, Connector<any>>> = {
  "partner-api": partnerApiConnector,
  cctv: cctvConnector,
  // The native systems' small pages are gathered up to the Worker's page size (shared/gather-pages.ts).
  mindbody: gatheringPages(mindbodyConnector),
  pushpress: gatheringPages(pushpressConnector),
  glofox: gatheringPages(glofoxConnector),
  "abc-ignite": gatheringPages(abcIgniteConnector),
};

export function connectorFor(system: SystemId): Connector<any> {
  const connector = CONNECTORS[system];
  if (!connector) throw new Error(`no connector for the system "${system}"`);
  return connector;
}
