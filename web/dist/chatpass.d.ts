// chatpass.js declarations (built by build.mjs); the shapes are src/types.d.ts's.

import type { Chat, Options } from "../src/types.js";
export * from "../src/types.js";

/** Starts signing the widget in: asks chatpass, hands the widget its settings, renews, and signs out on logout. */
export declare function start(options: Options): Chat;

declare global {
  /** The classic script (dist/chatpass.js) defines `window.Chatpass`. */
  var Chatpass: { start: typeof start };
}
