export * from "./vocabulary";
export * from "./sources";
export * from "./invitations";
export * from "./nightly-schedule";
export * from "./sync";
export * from "./users";
export * from "./access";
export * from "./json";
