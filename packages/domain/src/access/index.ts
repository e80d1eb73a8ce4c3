export * from "./rules";
export * from "./labels";
