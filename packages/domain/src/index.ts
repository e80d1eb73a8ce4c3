export * from "./vocabulary";
export * from "./nightly-schedule";
export * from "./sync";
export * from "./users";
export * from "./access";
