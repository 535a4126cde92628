// The window's daily work, counted: a returning applicant's 受审分离 case
// from the empty workbench to the printed 受理承诺单, every click and
// keystroke counted; the same wizard by keyboard alone (arrow keys in the
// questionnaire stay on the page); and a missing grant named before
// anything is typed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { signIn as signInAt, noSeriousViolations } from "./flows.js";

// 蔡文彬, the demo's real-name applicant (仙游县).
const DEMO_ID = "350322198507150034";

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

test("受审分离 to a printed slip in at most 8 clicks and 25 keystrokes", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signInAt(page, demo.base, "clerk-zhenhai");
  let clicks = 0;
  let keys = 0;
  const click = async (loc) => {
    clicks++;
    await loc.click();
  };
  const type = async (text) => {
    keys += [...text].length;
    await page.keyboard.type(text);
  };
  const press = async (key) => {
    keys++;
    await page.keyboard.press(key);
  };
  // From the empty workbench.
  await click(page.getByRole("link", { name: "新办件" }));
  await page.waitForURL(/\/work\/new$/);
  // The search box has the focus.
  await type("津贴");
  await press("Enter");
  await page.waitForURL(/q=/);
  await click(page.getByRole("link", { name: "高龄老年人津贴申领" }));
  for (let i = 0; i < 6; i++) {
    const unanswered = page.locator("#guide-section fieldset").filter({ hasNot: page.locator("input:checked") }).first();
    if (!(await unanswered.count())) break;
    await click(unanswered.locator("input[type=radio]").first());
    await idle(page);
  }
  await click(page.getByRole("button", { name: "下一步" }));
  await page.getByRole("heading", { name: /第四步/ }).waitFor();
  // The ID number field has the focus; the number says the rest.
  await type(DEMO_ID);
  await idle(page);
  assert.match(await page.locator("#id-facts").textContent(), /1985-07-15 · 男 · 户籍地 仙游县/);
  assert.equal(await page.getByLabel("姓名", { exact: true }).inputValue(), "蔡文彬");
  assert.equal(await page.getByLabel("手机号码", { exact: true }).inputValue(), "13805940002");
  // Only a person's fields are shown.
  assert.equal(await page.getByLabel("统一社会信用代码").isVisible(), false);
  await click(page.getByRole("button", { name: "创建办件" }));
  await page.waitForURL(/\/work\/cases\/TB\d+$/);
  // 受审分离: the window accepts on the spot, and prints the slip.
  const accept = page.locator("section.step").filter({ has: page.getByRole("heading", { name: "受理", exact: true }) });
  await click(accept.getByRole("button", { name: "受理" }));
  await page.waitForLoadState("load");
  await click(page.getByRole("link", { name: "打印《受理承诺单》" }));
  await page.waitForLoadState("load");
  assert.match(await page.locator("body").textContent(), /受理承诺单/);
  assert.match(await page.locator("body").textContent(), /蔡文彬/);
  console.log(`window: ${clicks} clicks, ${keys} keystrokes to a printed slip`);
  assert.ok(clicks <= 8, `${clicks} clicks`);
  assert.ok(keys <= 25, `${keys} keystrokes`);
  await ctx.close();
});

test("the wizard by keyboard alone: arrow keys stay in the questionnaire", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signInAt(page, demo.base, "clerk-zhenhai");
  await page.keyboard.press("Alt+N");
  await page.waitForURL(/\/work\/new$/);
  // Typing starts once the page has put the focus in its search box.
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === "q");
  await page.keyboard.type("津贴");
  await page.keyboard.press("Enter");
  await page.waitForURL(/q=/);
  await page.locator("[data-numbered] li a").first().waitFor();
  await page.waitForFunction(() => document.readyState === "complete");
  // "1" opens the first result.
  await Promise.all([page.waitForURL(/item=MZ-008/), page.keyboard.press("1")]);
  await noSeriousViolations(page);
  // The first option has the focus; arrow keys choose, the page stays.
  const url = page.url();
  const focused = () => page.evaluate(() => document.activeElement && document.activeElement.type);
  assert.equal(await focused(), "radio");
  const first = await page.evaluate(() => document.activeElement.name);
  await page.keyboard.press("Space");
  await idle(page);
  await page.keyboard.press("ArrowDown");
  await idle(page);
  assert.equal(page.url(), url, "the page did not navigate");
  assert.equal(await focused(), "radio", "the focus stayed on the options");
  assert.equal(await page.evaluate(() => document.activeElement.name), first);
  await page.keyboard.press("ArrowUp");
  await idle(page);
  // Every question answered by keyboard: Tab to the next group, Space.
  for (let i = 0; i < 6; i++) {
    const open = await page.locator("#guide-section fieldset").filter({ hasNot: page.locator("input:checked") }).count();
    if (!open) break;
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    await idle(page);
  }
  await page.keyboard.press("Alt+Enter");
  await page.getByRole("heading", { name: /第四步/ }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "id_number");
  await page.keyboard.type(DEMO_ID);
  await idle(page);
  // Name and mobile came with the number; the focus went on to what is empty.
  assert.equal(await page.getByLabel("姓名", { exact: true }).inputValue(), "蔡文彬");
  await noSeriousViolations(page);
  await page.keyboard.press("Alt+Enter");
  await page.waitForURL(/\/work\/cases\/TB\d+$/);
  await ctx.close();
});

test("a missing grant is named before anything is typed, with what the clerk can do", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signInAt(page, demo.base, "clerk-longqiao");
  await page.goto(demo.base + "/work/new?item=GA-002");
  const box = page.locator("section.refusals");
  const text = await box.textContent();
  assert.match(text, /申请人属荔城区时/);
  assert.match(text, /莆田市公安局荔城分局未授予本窗口“异地收件受理权”/);
  assert.match(text, /可在这些服务中心办理：.*荔城区行政服务中心/);
  assert.match(text, /授权信任/);
  await noSeriousViolations(page);
  await ctx.close();
});
