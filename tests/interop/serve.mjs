// `chatpass serve` for the interop suite: one project from `chatpass keygen`'s starter config,
// the OP's JWKS URL as `--jwks`, its log lines kept for the checks, stopped with Ctrl-C.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "./ports.mjs";

export class Serve {
  output = "";
  errors = "";

  constructor(bin, port) {
    this.bin = bin;
    this.base = `http://127.0.0.1:${port}`;
    this.addr = `127.0.0.1:${port}`;
  }

  /** `chatpass keygen ARGS`: what it prints. */
  keygen(...args) {
    return execFileSync(this.bin, ["keygen", ...args], { encoding: "utf8" });
  }

  /** Starts serve with these projects, checking identity tokens against the OP's keys. */
  async start({ projects, jwks, issuer, audience, env }) {
    this.dir = mkdtempSync(path.join(tmpdir(), "chatpass-interop-"));
    const file = path.join(this.dir, "projects.json");
    writeFileSync(file, JSON.stringify(projects), { mode: 0o600 });
    const args = ["serve", "--addr", this.addr, "--projects", file, "--jwks", jwks, "--issuer", issuer,
      "--audience", audience];
    this.child = spawn(this.bin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk) => { this.output += chunk; });
    this.child.stderr.on("data", (chunk) => { this.errors += chunk; });
    this.exited = new Promise((resolve) => this.child.once("exit", resolve));
    // Should the suite itself crash, serve does not outlive it.
    process.once("exit", () => this.child.kill());
    await Promise.race([
      waitFor(`${this.base}/`),
      this.exited.then((code) => { throw new Error(`chatpass serve exited (${code}): ${this.errors}`); }),
    ]);
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill("SIGINT");
      await this.exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** serve's JSON log lines for requests (one per request). */
  requestLog() {
    return this.output.split("\n").filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line)).filter((line) => line.message === "request");
  }

  post(route, project, { headers = {}, body = "" }) {
    return fetch(`${this.base}/v1/projects/${project}/${route}`, { method: "POST", headers, body });
  }
}
