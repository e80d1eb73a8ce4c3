export * from "./kinds";
export * from "./sender-key";
export * from "./mirrored";
export * from "./contracts";
export * from "./events";
