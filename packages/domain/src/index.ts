export * from "./vocabulary";
export * from "./nightly-schedule";
