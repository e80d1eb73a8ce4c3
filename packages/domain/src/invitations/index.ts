export * from "./eligibility";
