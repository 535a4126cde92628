// Search people use: suggestions as you type (pinyin, misspellings, life
// events) on the desktop and on a 360 px phone, chosen with the mouse, a
// finger or the keyboard; the same words through the plain form with
// JavaScript off; axe finds nothing with the list open.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch, seriousViolations } from "./harness.js";

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

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

async function options(page) {
  const list = page.getByRole("listbox", { name: "搜索建议" });
  await list.getByRole("option").first().waitFor();
  return list.getByRole("option");
}

test("typing pinyin initials shows suggestions; ↓ and Enter open the item (desktop)", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(demo.base + "/");
  const box = page.getByRole("combobox", { name: "搜索办事事项" });
  await box.pressSequentially("sfz", { delay: 30 });
  const opts = await options(page);
  assert.match(await opts.first().textContent(), /居民身份证/);
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  assert.deepEqual(await seriousViolations(page), [], "axe with the list open");
  await box.press("ArrowDown");
  const chosen = await opts.first().getAttribute("data-code");
  assert.equal(await box.getAttribute("aria-activedescendant"), await opts.first().getAttribute("id"));
  assert.equal(await opts.first().getAttribute("aria-selected"), "true");
  await Promise.all([page.waitForURL(new RegExp(`/items/${chosen}$`)), box.press("Enter")]);
  assert.match(await page.locator("h1").textContent(), /居民身份证/);
  assert.deepEqual(errors, [], "no console errors (CSP, scripts)");
  await ctx.close();
});

test("a life event and a misspelling suggest the right items; a click opens one (desktop)", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(demo.base + "/items");
  const box = page.getByRole("combobox", { name: "搜索词" });
  await box.fill("生孩子");
  let opts = await options(page);
  assert.equal((await opts.first().textContent()).trim().split(/\s+/)[0], "出生登记");
  assert.match(await opts.nth(1).textContent(), /出生医学证明/);
  // Esc closes the list and keeps the text.
  await box.press("Escape");
  assert.equal(await box.getAttribute("aria-expanded"), "false");
  assert.equal(await box.inputValue(), "生孩子");
  await box.fill("身分证丢了");
  opts = await options(page);
  assert.match(await opts.first().textContent(), /居民身份证补领/);
  await Promise.all([page.waitForURL(/\/items\/GA-003$/), opts.first().click()]);
  await ctx.close();
});

test("on a 360 px phone the suggestions fit, and a tap opens the item", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await page.goto(demo.base + "/");
  const box = page.getByRole("combobox", { name: "搜索办事事项" });
  await box.pressSequentially("shebaoka", { delay: 20 });
  const opts = await options(page);
  assert.match(await opts.first().textContent(), /社会保障卡/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scroll with the list open (${width} px)`);
  const list = await page.getByRole("listbox", { name: "搜索建议" }).boundingBox();
  assert.ok(list.x >= 0 && list.x + list.width <= 360, `the list fits: ${JSON.stringify(list)}`);
  const first = await opts.first().boundingBox();
  assert.ok(first.height >= 44, `a finger-sized option (${first.height} px)`);
  assert.deepEqual(await seriousViolations(page), [], "axe with the list open");
  const code = await opts.first().getAttribute("data-code");
  await Promise.all([page.waitForURL(new RegExp(`/items/${code}$`)), opts.first().tap()]);
  await ctx.close();
});

test("without JavaScript the same words find the items through the form", async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport });
    const page = await ctx.newPage();
    for (const [q, want] of [
      ["sfz", /居民身份证/],
      ["shenfenzheng", /居民身份证/],
      ["身分证", /居民身份证/],
      ["生孩子要办什么", /^出生登记$/],
      ["开个小饭馆", /个体工商户设立登记|食品经营许可/],
    ]) {
      await page.goto(demo.base + "/");
      await page.getByLabel("搜索办事事项").fill(q);
      await page.getByRole("button", { name: "搜索" }).click();
      await page.waitForURL(/\/items\?q=/);
      const first = await page.locator("ol.results li h2 a").first().textContent();
      assert.match(first, want, `${q} → ${first}`);
    }
    await page.goto(demo.base + "/items?q=" + encodeURIComponent("生孩子要办什么"));
    assert.match(await page.locator(".life-event").textContent(), /新生儿出生/, "says why 出生登记 is listed");
    assert.equal(await page.getByRole("listbox").count(), 0, "no listbox without the script");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `no horizontal scroll at ${viewport.width} px (${width})`);
    await ctx.close();
  }
});
