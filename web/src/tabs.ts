//! Logout across the site's tabs: a BroadcastChannel message, or where there is none a
//! `storage` event (a key written and removed at once: it holds a time, never a token).

import { w } from "./page";

const NAME = "chatpass:logout";

/** Tells the site's other tabs that the user logged out. */
export function tellOtherTabs() {
  try {
    if (w.BroadcastChannel) {
      const channel = new BroadcastChannel(NAME);
      channel.postMessage(1);
      channel.close();
    } else {
      localStorage.setItem(NAME, String(Date.now()));
      localStorage.removeItem(NAME);
    }
  } catch {}
}

/** Calls `fn` when another tab logs out; returns the function that stops listening. */
export function onLogout(fn: () => void): () => void {
  let channel: BroadcastChannel | undefined;
  const storage = (e: StorageEvent) => e.key == NAME && e.newValue && fn();
  try {
    if (w.BroadcastChannel) {
      channel = new BroadcastChannel(NAME);
      channel.onmessage = fn;
    } else w.addEventListener("storage", storage);
  } catch {}
  return () => {
    channel?.close();
    w.removeEventListener?.("storage", storage);
  };
}
