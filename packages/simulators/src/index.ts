export {
  startMindbodySimulator,
  mindbodySignature,
  type MindbodySimulator,
  type MindbodySimulatorOptions,
} from "./mindbody/index";
export {
  startPushPressSimulator,
  pushpressSignature,
  type PushPressSimulator,
  type PushPressSimulatorOptions,
} from "./pushpress/index";
export {
  startGlofoxSimulator,
  glofoxSignature,
  type GlofoxSimulator,
  type GlofoxSimulatorOptions,
} from "./glofox/index";
export {
  startAbcIgniteSimulator,
  formatClubTime,
  parseClubTime,
  type AbcIgniteSimulator,
  type AbcIgniteSimulatorOptions,
} from "./abc-ignite/index";
export type { Traps } from "./shared/traps";
export type { DeliveryCounters, DeliveryRecord } from "./shared/deliver";
