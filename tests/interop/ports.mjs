// Loopback helpers of the interop suite: a free port on 127.0.0.1, and waiting for a server.
import net from "node:net";

/** A port nothing listens on now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `url` answers at all (any status), for at most `ms`. */
export async function waitFor(url, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not come up: ${error.message}`);
      await sleep(100);
    }
  }
}
