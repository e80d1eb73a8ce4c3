export * from "./connector";
export { CONNECTORS, connectorFor } from "./registry";
export { partnerApiConnector, membersUrl, type PartnerApiCredentials } from "./partner-api";
export { cctvConnector, peopleUrl, type CctvCredentials } from "./cctv";
export { verifyStandardWebhook, TIMESTAMP_TOLERANCE_SECONDS } from "./shared/standard-webhooks";
