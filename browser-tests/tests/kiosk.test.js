// Kiosk mode (自助机): large touch targets; after the idle time the session
// ends and the screen is cleared, so the next person sees nothing personal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch, seriousViolations } from "./harness.js";

let demo;
let browser;

before(async () => {
  demo = await startDemo({ TONGBAN_KIOSK_IDLE: "4" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("an idle kiosk session times out, signs out and clears the screen", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/kiosk");
  // Someone types a case number, then walks away.
  await page.getByRole("link", { name: "办件进度查询" }).click();
  await page.getByLabel("办件编号").fill("TB2026112800000001");
  await page.waitForURL(/\/kiosk\?ended=1$/, { timeout: 10000 });
  assert.match(await page.locator("p.result").textContent(), /信息已全部清除/);
  assert.equal(await page.getByLabel("办件编号").count(), 0);
  assert.deepEqual(await seriousViolations(page), []);
  // Someone signs in at the kiosk and walks away: the session ends with the screen.
  await page.getByRole("link", { name: "账号密码登录" }).click();
  await page.getByLabel("用户名").fill("applicant-demo");
  await page.getByLabel("密码").fill("demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/work$/);
  assert.match(await page.locator("body").textContent(), /蔡文彬/);
  await page.waitForURL(/\/kiosk\?ended=1$/, { timeout: 10000 });
  assert.doesNotMatch(await page.locator("body").textContent(), /蔡文彬/);
  await page.goto(demo.base + "/work");
  await page.waitForURL(/\/login/);
  await ctx.close();
});
