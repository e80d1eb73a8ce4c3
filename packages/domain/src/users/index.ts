export * from "./user-list";
export * from "./user-import";
