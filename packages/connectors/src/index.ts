export * from "./connector";
export { CONNECTORS, connectorFor } from "./registry";
