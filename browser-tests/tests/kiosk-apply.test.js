// The self-service kiosk (E政务自助机) from sign-in to a printed receipt:
// the applicant signs in by ID number and the code texted to the account's
// mobile, applies online with large touch targets (the kiosk's own chrome:
// no site navigation, a prominent 退出 and 返回首页 on every page), uses every
// e-licence the library holds in one step, prints the 网上申请回执 and
// leaves; the session ends with the screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { fitsPhone, newCase, noSeriousViolations, takeStep } from "./flows.js";

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
  await kioskChrome(page);

  const caseNo = await newCase(page, {
    search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304",
    delivery: { method: "pickup", hall: "莆田市行政服务中心" },
  });
  await kioskChrome(page);
  // Every material the e-licence library holds, in one form, ticked: one submit.
  const licences = page.locator("section.licences");
  const boxes = await licences.getByRole("checkbox").all();
  assert.equal(boxes.length, 3, "ID card, household register, social security card");
  for (const b of boxes) assert.ok(await b.isChecked(), "ticked by default");
  await noSeriousViolations(page);
  await fitsPhone(page);
  await licences.getByRole("button", { name: "使用所选电子证照" }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.locator(".error").count(), 0);
  assert.match(await page.getByRole("heading", { name: /申请材料/ }).textContent(), /已上传 3 \/ 3 项/);
  assert.equal(await page.locator("ol.materials > li").filter({ hasText: "已上传：电子证照" }).count(), 3);
  await kioskChrome(page);
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

// The kiosk's chrome on a page: no site navigation, the brand stays in the
// kiosk, 返回首页 and a big 退出; fits a 360 px screen.
async function kioskChrome(page) {
  assert.equal(await page.getByRole("navigation", { name: "主导航" }).count(), 0, `${page.url()}: no site navigation`);
  assert.equal(await page.locator("a.brand").getAttribute("href"), "/kiosk");
  const exit = page.locator("header").getByRole("link", { name: "退出", exact: true });
  const home = page.locator("header").getByRole("link", { name: "返回首页", exact: true });
  assert.equal(await exit.getAttribute("href"), "/kiosk/end");
  assert.equal(await home.getAttribute("href"), "/kiosk");
  for (const l of [exit, home]) {
    const box = await l.boundingBox();
    assert.ok(box.height >= 56 && box.width >= 56, `${page.url()}: a touch-sized target (${box.width}×${box.height})`);
  }
  assert.equal(await page.getByRole("link", { name: /大字模式|标准模式/ }).count(), 0);
  await fitsPhone(page);
}

test("自助终端: 退出 in the header ends the session and clears the screen", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.base + "/kiosk");
  await page.getByRole("link", { name: /身份证登录/ }).click();
  await page.getByLabel(/公民身份号码/).fill("350304195103120027");
  await page.getByRole("button", { name: "获取短信验证码" }).click();
  await page.waitForLoadState("load");
  await page.getByLabel("短信验证码").fill(await textedCode());
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/work$/);
  assert.match(await page.locator("header").textContent(), /林秀英/);
  await kioskChrome(page);
  await noSeriousViolations(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await kioskChrome(page);
  await noSeriousViolations(page);
  await page.locator("header").getByRole("link", { name: "退出", exact: true }).click();
  await page.waitForURL(/\/kiosk\?ended=1$/);
  assert.doesNotMatch(await page.locator("body").textContent(), /林秀英/);
  assert.match(await page.locator("p.result").textContent(), /会话已结束/);
  await page.goto(demo.base + "/work");
  await page.waitForURL(/\/login/);
  await ctx.close();
});
