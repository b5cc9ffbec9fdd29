//! chatpass.js: signs a website's signed-in user into its chat widget with the token or hash
//! chatpass mints, renews it before it expires, and signs the widget out in every tab.
//! `start` is the whole API; dist/chatpass.js defines it as `window.Chatpass.start`.

export { start } from "./core";
export type {
  Adapter,
  Answer,
  Chat,
  ChatEvent,
  ChatState,
  IdToken,
  Options,
  Settings,
  TokenProvider,
} from "./types";
