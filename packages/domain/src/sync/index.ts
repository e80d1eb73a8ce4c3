export * from "./ownership";
export * from "./source-records";
export * from "./normalise";
export * from "./reasons";
export * from "./locations";
export * from "./plan-record";
export * from "./plan-page";
export * from "./mass-disable";
