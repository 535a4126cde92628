// The self-service kiosk (E政务自助机) from sign-in to a printed receipt:
// the applicant signs in by ID number and the code texted to the account's
// mobile, applies online with large touch targets, prints the 网上申请回执
// and leaves; the session ends with the screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { newCase, noSeriousViolations, takeStep, uploadMissing } from "./flows.js";

let demo;
let browser;

before(async () => {
  // The demo texts by writing to its log; the test reads the code there.
  demo = await startDemo({ TONGBAN_KIOSK_IDLE: "120", RUST_LOG: "warn,tongban_app::sms=info" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function textedCode() {
  for (let i = 0; i < 50; i++) {
    const codes = [...demo.log().matchAll(/自助终端登录，验证码为(\d{6})/g)];
    if (codes.length) return codes[codes.length - 1][1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no code in the demo's log");
}

test("自助终端: sign in by ID number and a texted code, apply online, print the receipt, leave", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/kiosk");
  await page.getByRole("link", { name: /身份证登录/ }).click();
  await noSeriousViolations(page);
  await page.getByLabel(/公民身份号码/).fill("350322198507150034");
  await page.getByRole("button", { name: "获取短信验证码" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator("p.result").textContent(), /350322\*{8}0034/);
  assert.doesNotMatch(await page.locator("main").textContent(), /350322198507150034/, "the screen masks the number");
  await noSeriousViolations(page);
  await page.getByLabel("短信验证码").fill(await textedCode());
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/work$/);
  assert.match(await page.locator("body").textContent(), /蔡文彬/);
  assert.match(await page.locator("body").getAttribute("class"), /large/, "the kiosk keeps 大字 mode");

  const caseNo = await newCase(page, {
    search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304",
    delivery: { method: "pickup", hall: "莆田市行政服务中心" },
  });
  await uploadMissing(page);
  await takeStep(page, "确认提交申请");
  assert.match(await page.locator("dl.elements").textContent(), /窗口领取：莆田市行政服务中心/);
  await noSeriousViolations(page);
  await page.getByRole("link", { name: "打印《网上申请回执》" }).click();
  const receipt = await page.locator("main").textContent();
  assert.match(receipt, new RegExp(caseNo));
  assert.match(receipt, /窗口领取：莆田市行政服务中心/);
  assert.ok(await page.getByRole("button", { name: "打印本页" }).isVisible());
  await noSeriousViolations(page);
  await page.getByRole("link", { name: "打印完成，退出" }).click();
  await page.waitForURL(/\/kiosk\?ended=1$/);
  assert.doesNotMatch(await page.locator("body").textContent(), /蔡文彬/);
  await page.goto(demo.base + "/work");
  await page.waitForURL(/\/login/);
  await ctx.close();
});
