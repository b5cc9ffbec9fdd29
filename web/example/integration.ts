// A brand's whole integration, typed against the published declarations (dist/chatpass.d.ts):
// `npm run check` runs tsc over it, so the README's lines keep compiling.
import { start, type ChatEvent } from "chatpass";

declare const auth: { getIdToken(): Promise<string | null>; onLogout(fn: () => void): void };

const chat = start({
  api: "https://chat-auth.example.com",
  project: "acme",
  idToken: () => auth.getIdToken(),
  config: { app_id: "abc123" },
  load: "https://widget.intercom.io/widget/abc123",
});
auth.onLogout(() => chat.logout());

chat.on((event: ChatEvent) => {
  if (event.type == "refused") console.warn(`chat stays anonymous: ${event.status} ${event.code}`);
});
chat.ready.then((state) => console.log(state, chat.vendor));

// The classic script defines the same function on window.
window.Chatpass.start({ api: "https://chat-auth.example.com", project: "acme", idToken: "eyJ..." });
