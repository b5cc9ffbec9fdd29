// Builds dist/ from src/ (one source, two forms): chatpass.mjs (ES module), chatpass.js (a
// classic script defining window.Chatpass), chatpass.d.ts (the declarations: `start`, and
// src/types.d.ts's shapes re-exported).
// `node build.mjs --check` builds in memory and fails if the committed dist/ differs.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const check = process.argv.includes("--check");
const common = {
  entryPoints: [path.join(here, "src/index.ts")],
  bundle: true,
  minify: true,
  target: "es2020",
  legalComments: "none",
  write: false,
  logLevel: "error",
};


async function output(options) {
  const result = await build({ ...common, ...options });
  return result.outputFiles[0].text;
}

// The shapes are declared once, in src/types.d.ts (shipped beside dist/); this adds `start`.
const declarations = `// chatpass.js declarations (built by build.mjs); the shapes are src/types.d.ts's.

import type { Chat, Options } from "../src/types.js";
export * from "../src/types.js";

/** Starts signing the widget in: asks chatpass, hands the widget its settings, renews, and signs out on logout. */
export declare function start(options: Options): Chat;

declare global {
  /** The classic script (dist/chatpass.js) defines \`window.Chatpass\`. */
  var Chatpass: { start: typeof start };
}
`;

const files = {
  "chatpass.mjs": await output({ format: "esm" }),
  "chatpass.js": await output({ format: "iife", globalName: "Chatpass" }),
  "chatpass.d.ts": declarations,
};

const dist = path.join(here, "dist");
let stale = [];
for (const [name, text] of Object.entries(files)) {
  const file = path.join(dist, name);
  if (check) {
    let committed = "";
    try { committed = readFileSync(file, "utf8"); } catch {}
    if (committed !== text) stale.push(name);
  } else {
    mkdirSync(dist, { recursive: true });
    writeFileSync(file, text);
  }
}
if (stale.length) {
  console.error(`web/dist is not what web/src builds (${stale.join(", ")}): run \`npm run build\` in web/ and commit dist/`);
  process.exit(1);
}
console.log(check ? "web/dist matches web/src" : `built ${Object.keys(files).map((f) => "dist/" + f).join(", ")}`);
