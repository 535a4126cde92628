// Counter devices at the window (the demo's simulated reader and camera):
// the ID card read from the chip fills the wizard and is recorded on the
// case; the document camera's pages go into a material as one PDF scan —
// at desktop width and on a 360 px screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { signIn, noSeriousViolations, fitsPhone } from "./flows.js";

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const idle = (page) => page.locator("body:not([data-busy])").waitFor();

test("the reader fills the applicant from the chip and the camera's pages become one scan", async () => {
  // 蔡文彬's card lies on the reader.
  const placed = await fetch(demo.base + "/devices/sim/idcard/place", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ card: 3 }),
  });
  assert.equal(placed.status, 200);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, demo.base, "clerk-zhenhai");
  await page.goto(demo.base + "/work/new?item=MZ-008");
  for (let i = 0; i < 6; i++) {
    const open = page.locator("#guide-section fieldset").filter({ hasNot: page.locator("input:checked") }).first();
    if (!(await open.count())) break;
    await open.locator("input[type=radio]").first().click();
    await idle(page);
  }
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByRole("heading", { name: /第四步/ }).waitFor();
  assert.match(await page.locator("details.keys").textContent(), /Alt\+R/);
  // Alt+R reads the card: name, number, address and the chip's photo.
  await page.keyboard.press("Alt+R");
  await page.locator("[data-device-status]").filter({ hasText: "已从身份证芯片读取：蔡文彬" }).waitFor();
  await idle(page);
  assert.equal(await page.locator("#p-name").inputValue(), "蔡文彬");
  assert.equal(await page.locator("#p-id_number").inputValue(), "350322198507150034");
  assert.match(await page.locator("#p-address").inputValue(), /仙游县鲤城街道/);
  // The phone came from the real-name account the number names.
  assert.equal(await page.locator("#p-phone").inputValue(), "13805940002");
  assert.match(await page.locator("#id-facts").textContent(), /户籍地 仙游县/);
  assert.ok(await page.locator("[data-chip-photo]").isVisible(), "the chip's photo is shown");
  await noSeriousViolations(page);
  await fitsPhone(page);
  await page.getByRole("button", { name: "创建办件" }).click();
  await page.waitForURL(/\/work\/cases\/TB\d+$/);
  const body = await page.locator("dl.elements").textContent();
  assert.match(body, /身份证经读卡器（SIM-IDR-0001）从芯片读取/);
  const shown = await page.locator("dl.elements img.chip-photo").evaluate((i) => i.complete && i.naturalWidth > 0);
  assert.ok(shown, "the kept photo loads for the case's staff");
  // The camera: two shots, one taken back, one more; kept as one scan.
  const item = page.locator("ol.materials > li").filter({ has: page.locator("[data-capture]") }).first();
  const panel = item.locator("[data-capture]");
  await panel.getByRole("button", { name: "高拍仪拍摄一页" }).click();
  await panel.locator(".shots img").nth(0).waitFor();
  await panel.getByRole("button", { name: "高拍仪拍摄一页" }).click();
  await panel.locator(".shots img").nth(1).waitFor();
  await panel.getByRole("button", { name: "删除最后一页" }).click();
  assert.equal(await panel.locator(".shots img").count(), 1);
  await panel.getByRole("button", { name: "高拍仪拍摄一页" }).click();
  await panel.locator(".shots img").nth(1).waitFor();
  assert.match(await panel.locator("[data-count]").textContent(), /已拍 2 页/);
  await noSeriousViolations(page);
  await fitsPhone(page);
  const name = (await item.locator("strong").first().textContent()).trim();
  await Promise.all([page.waitForNavigation(), panel.getByRole("button", { name: /^存入/ }).click()]);
  assert.equal(await page.locator(".error").count(), 0, "no error");
  const after = page.locator("ol.materials > li").filter({ has: page.locator("strong", { hasText: name }) }).first();
  const scan = after.locator("a.scan").filter({ hasText: "PDF" });
  await scan.first().waitFor();
  const href = await scan.first().getAttribute("href");
  const pdf = await page.request.get(demo.base + href);
  assert.equal(pdf.headers()["content-type"], "application/pdf");
  const bytes = (await pdf.body()).toString("latin1");
  assert.equal((bytes.match(/\/Type\/Page\//g) || []).length, 2, "one page per shot kept");
  await ctx.close();
});
