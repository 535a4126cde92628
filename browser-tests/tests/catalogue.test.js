// Search → item → questionnaire → materials, with and without JavaScript,
// the 大字 mode, sign-in, and an accessibility check of every page.
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

test("search, open an item, answer the questionnaire, see the materials (JavaScript on)", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cspErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") cspErrors.push(m.text());
  });
  await page.goto(demo.base + "/");
  await page.getByLabel("搜索办事事项").fill("身份证补领");
  await page.getByRole("button", { name: "搜索" }).click();
  await page.waitForURL(/\/items\?q=/);
  const first = page.locator("ol.results li h2 a").first();
  assert.equal(await first.textContent(), "居民身份证补领");
  await first.click();
  await page.waitForURL(/\/items\/GA-003/);
  assert.equal(await page.locator("h1").textContent(), "居民身份证补领");
  // Choosing an option asks the server at once (app.js), and the follow-up appears.
  // click(), not check(): the choice navigates, and check() would re-verify the
  // state of a radio on a page that is already being replaced.
  await Promise.all([page.waitForURL(/a\.hukou_loc=other/), page.getByLabel("外省（在莆田居住）").click()]);
  await page.getByLabel("居住证", { exact: true }).waitFor();
  await Promise.all([page.waitForURL(/a\.res_doc=permit/), page.getByLabel("居住证", { exact: true }).click()]);
  const result = page.locator(".result");
  await result.waitFor();
  const text = await result.textContent();
  assert.match(text, /跨省异地补领（持居住证）/);
  assert.match(text, /需要准备的材料/);
  assert.match(text, /居住证/);
  assert.deepEqual(cspErrors, [], "no console errors (CSP, scripts)");
  await ctx.close();
});

test("the questionnaire works as a plain form with JavaScript off", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(demo.base + "/items?q=" + encodeURIComponent("身份证补领"));
  await page.locator("ol.results li h2 a").first().click();
  await page.getByLabel("外省（在莆田居住）").check();
  await page.getByRole("button", { name: "查看所需材料" }).click();
  await page.getByText("请继续回答").waitFor();
  await page.getByLabel("居住登记凭证").check();
  await page.getByRole("button", { name: "查看所需材料" }).click();
  const text = await page.locator(".result").textContent();
  assert.match(text, /跨省异地补领（持居住登记凭证）/);
  await ctx.close();
});

test("a colloquial name finds the item", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/");
  await page.getByLabel("搜索办事事项").fill("办低保");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/items\?q=/);
  assert.equal(await page.locator("ol.results li h2 a").first().textContent(), "最低生活保障审核确认");
  await ctx.close();
});

test("大字 mode makes the text larger and is remembered", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/list");
  const before = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  await page.getByRole("link", { name: "大字模式" }).click();
  await page.waitForURL(/\/list$/);
  const after = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(after >= before * 1.3, `${before} → ${after}`);
  assert.equal(await page.evaluate(() => document.body.className), "large");
  await page.goto(demo.base + "/halls");
  assert.equal(await page.evaluate(() => document.body.className), "large");
  await page.getByRole("link", { name: "标准模式" }).click();
  assert.equal(await page.evaluate(() => document.body.className), "");
  await ctx.close();
});

test("a clerk signs in and out", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/halls");
  await page.getByRole("link", { name: "登录" }).click();
  await page.getByLabel("用户名").fill("clerk-longqiao");
  await page.getByLabel("密码").fill("wrong");
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByText("用户名或密码不正确").waitFor();
  await page.getByLabel("密码").fill("demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/halls$/);
  await page.getByText("黄志强（窗口办事员）").waitFor();
  await page.getByRole("button", { name: "退出" }).click();
  await page.getByRole("link", { name: "登录" }).waitFor();
  await ctx.close();
});

for (const large of [false, true]) {
  test(`no serious accessibility violations (${large ? "大字" : "normal"} mode)`, async () => {
    const ctx = await browser.newContext();
    if (large) {
      await ctx.addCookies([{ name: "tb_large", value: "1", url: demo.base }]);
    }
    const page = await ctx.newPage();
    for (const path of ["/", "/items?q=%E6%88%B7%E5%8F%A3", "/items/GA-003", "/items/GA-003?go=1&a.hukou_loc=other&a.res_doc=permit", "/list", "/halls", "/login", "/register", "/appointments", "/progress", "/kiosk/login"]) {
      const res = await page.goto(demo.base + path);
      assert.equal(res.status(), 200, path);
      const v = await seriousViolations(page);
      assert.deepEqual(v, [], `${path}: ${JSON.stringify(v)}`);
    }
    await ctx.close();
  });
}
