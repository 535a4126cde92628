// Starts `tongban demo` on a fresh database and a free port, and launches
// Debian's headless Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.TONGBAN_BIN || join(here, "..", "..", "target", "debug", "tongban");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export async function startDemo(extraEnv = {}) {
  if (!existsSync(bin)) throw new Error(`tongban binary not found at ${bin}; build it first`);
  const dir = mkdtempSync(join(tmpdir(), "tongban-browser-"));
  const port = await freePort();
  const proc = spawn(bin, ["demo", "--db", join(dir, "demo.db"), "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn", ...extraEnv },
  });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {}
    if (proc.exitCode !== null) throw new Error(`tongban demo exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    // Everything the demo printed so far (the demo's text messages go to its log).
    log: () => log,
    async stop() {
      proc.kill("SIGINT");
      await new Promise((r) => proc.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const axeSource = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");

// Runs axe-core in the page and returns serious or critical violations.
export async function seriousViolations(page) {
  // The page's CSP forbids inline scripts; evaluate bypasses it via the devtools protocol.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}
