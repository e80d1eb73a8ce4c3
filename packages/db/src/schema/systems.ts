/** The member systems an integration can be (`@uas/connectors`' SYSTEM_IDS less `cctv`). */
export const INTEGRATION_SYSTEMS = ["partner-api", "mindbody", "pushpress", "glofox", "abc-ignite"] as const;
export type IntegrationSystem = (typeof INTEGRATION_SYSTEMS)[number];
