export * from "./effective-access";
export * from "./rule-sets";
export * from "./door";
export * from "./time-limits";
