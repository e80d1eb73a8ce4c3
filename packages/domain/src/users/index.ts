export * from "./user-list";
export * from "./import-template";
export * from "./user-import";
