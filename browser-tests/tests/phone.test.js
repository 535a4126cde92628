// Phone-first applicant pages: every page an applicant sees, signed out and
// signed in, fits a 360 × 740 screen without scrolling sideways; the
// progress page's step bar and words, an item page's next steps, the
// booking form that makes the person choose the item, and the hall
// directory (search by place or item, nearest halls, tel: links, collapsed
// details) — at 360 px and on the desktop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { newCase, noSeriousViolations } from "./flows.js";

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

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 900 } };

async function signIn(page, user) {
  await page.goto(demo.base + "/login?next=%2Fwork");
  await page.getByLabel("用户名").fill(user);
  await page.getByLabel("密码").fill("demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/work$/);
}

// The page is no wider than the screen, and names what sticks out if it is.
async function fits(page, what = page.url()) {
  const r = await page.evaluate(() => {
    const w = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest(".sr"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    return { scroll: document.scrollingElement.scrollWidth, inner: w, wide };
  });
  assert.ok(r.scroll <= r.inner, `${what}: ${r.scroll} px wide on a ${r.inner} px screen (${r.wide.join(", ")})`);
}

// The names of the halls listed, without their 试点 tags.
async function hallNames(page) {
  return (await page.locator("li.hall h3").allTextContents()).map((s) => s.replace(/\s*试点$/, "").trim());
}

async function visit(page, path) {
  const res = await page.goto(demo.base + path);
  assert.ok(res.status() < 500, `${path}: ${res.status()}`);
  await fits(page, path);
}

const PUBLIC = [
  "/",
  "/items",
  "/items?q=" + encodeURIComponent("身份证"),
  "/items/GA-003",
  "/items/GA-003?go=1&a.hukou_loc=other&a.res_doc=permit",
  "/items/MZ-008?go=1",
  "/list",
  "/halls",
  "/halls?q=" + encodeURIComponent("荔城"),
  "/halls?near=350304001002",
  "/appointments",
  "/progress",
  "/progress?case_no=TB0&code=000000",
  "/login",
  "/register",
  "/kiosk",
  "/kiosk/login",
];

test("360 px: no applicant page scrolls sideways, signed out or signed in (applicant-demo)", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  for (const p of PUBLIC) await visit(page, p);

  await signIn(page, "applicant-demo");
  await fits(page, "/work (no cases)");
  // An online application: the wizard's pages, then the case page.
  const caseNo = await newCase(page, { search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304" });
  await fits(page, `/work/cases/${caseNo}`);
  const code = (await page.locator("dl.elements dt", { hasText: "查询验证码" }).locator("xpath=following-sibling::dd[1]").textContent()).trim();
  for (const p of [
    "/work",
    "/work/new",
    "/work/new?q=" + encodeURIComponent("高龄"),
    "/work/new?item=MZ-008&go=1",
    "/work/new?item=GA-003",
    `/work/cases/${caseNo}`,
    `/work/cases/${caseNo}/receipt`,
    `/progress?case_no=${caseNo}&code=${code}`,
    ...PUBLIC.filter((p) => !p.startsWith("/kiosk") && p !== "/login" && p !== "/register"),
  ]) {
    await visit(page, p);
  }
  // A booking's item form.
  await page.goto(demo.base + "/appointments");
  await page.locator("table.slots a.button").first().click();
  await page.waitForURL(/\/appointments\/book/);
  await fits(page, "/appointments/book");

  // 我的办件: cards, not a table; no export offered to an applicant; the
  // status is not squeezed to one character a line.
  await page.goto(demo.base + "/work");
  const card = page.locator("ol.case-cards li").filter({ hasText: caseNo });
  await card.waitFor();
  assert.equal(await page.locator("main table").count(), 0);
  assert.equal(await page.locator('a[href$="export.csv"]').count(), 0);
  const tag = card.locator(".tag").first();
  const box = await tag.boundingBox();
  const lineHeight = await tag.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight));
  assert.ok(box.height < lineHeight * 1.6, `status tag wraps: ${box.height}px high`);
  await noSeriousViolations(page);
  await ctx.close();
});

test("360 px in 大字 mode: the public pages still fit", async () => {
  const ctx = await browser.newContext(PHONE);
  await ctx.addCookies([{ name: "tb_large", value: "1", url: demo.base }]);
  const page = await ctx.newPage();
  for (const p of PUBLIC) await visit(page, p);
  await ctx.close();
});

for (const [label, size] of [["360 px", PHONE], ["desktop", DESKTOP]]) {
  test(`progress page (${label}): a step bar at the current stage and a person's words`, async () => {
    const ctx = await browser.newContext(size);
    const page = await ctx.newPage();
    await signIn(page, "applicant-demo");
    const caseNo = await newCase(page, { search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304" });
    const code = (await page.locator("dl.elements dt", { hasText: "查询验证码" }).locator("xpath=following-sibling::dd[1]").textContent()).trim();
    await page.goto(`${demo.base}/progress?case_no=${caseNo}&code=${code}`);
    const bar = page.getByRole("list", { name: "办理进度" });
    assert.deepEqual(
      (await bar.locator("li .label").allTextContents()).map((s) => s.trim()),
      ["申请", "受理", "审查", "决定", "送达/办结"],
    );
    const current = bar.locator('li[aria-current="step"]');
    assert.equal(await current.count(), 1);
    assert.match(await current.textContent(), /申请/);
    const main = await page.locator("main").textContent();
    assert.match(main, /还没有提交/);
    assert.match(main, /您填写了网上申请/);
    assert.doesNotMatch(main, /创建办件|登记材料/);
    await fits(page);
    await noSeriousViolations(page);
    await ctx.close();
  });

  test(`item page (${label}): ends with apply online, book and where to go; no internal notes`, async () => {
    const ctx = await browser.newContext(size);
    const page = await ctx.newPage();
    await page.goto(demo.base + "/items/MZ-008");
    const next = page.locator("section.next");
    await next.getByRole("link", { name: "在线申请" }).waitFor();
    assert.equal(await next.getByRole("link", { name: "在线申请" }).getAttribute("href"), "/work/new?item=MZ-008");
    assert.equal(await next.getByRole("link", { name: "预约办理" }).getAttribute("href"), "/appointments?item=MZ-008");
    assert.equal(await next.getByRole("link", { name: "去哪里办" }).getAttribute("href"), "/halls?item=MZ-008");
    assert.match(await next.textContent(), /全市 23 个服务大厅可以办理/);
    // Not on the list: where to go only.
    await page.goto(demo.base + "/items/GA-001");
    const main = await page.locator("main").textContent();
    assert.doesNotMatch(main, /时限来源|北京公开指南|推断值/);
    await page.locator("section.next").getByRole("link", { name: "去哪里办" }).waitFor();
    await fits(page);
    await noSeriousViolations(page);
    // 去哪里办 lists the halls that receive the item.
    await page.goto(demo.base + "/items/RS-004");
    await page.locator("section.next").getByRole("link", { name: "去哪里办" }).click();
    await page.waitForURL(/\/halls\?item=RS-004/);
    assert.match(await page.getByRole("status").textContent(), /共 9 个可办理“企业职工基本养老保险关系转移接续”的服务大厅/);
    await ctx.close();
  });

  test(`booking (${label}): the item must be chosen, and the confirmation names it`, async () => {
    const ctx = await browser.newContext(size);
    const page = await ctx.newPage();
    await signIn(page, "applicant-demo");
    await page.goto(demo.base + "/appointments");
    // A different slot for each width (a slot may have one place).
    await page.locator("table.slots a.button").nth(label === "desktop" ? 1 : 0).click();
    await page.waitForURL(/\/appointments\/book/);
    const select = page.getByLabel("办理事项（必选）");
    assert.equal(await select.inputValue(), "", "no item chosen for the person");
    assert.equal(await select.getAttribute("required"), "");
    // Sent without an item (as a browser without validation would): the field is named.
    await select.evaluate((s) => s.removeAttribute("required"));
    await page.getByRole("button", { name: "确认预约" }).click();
    await page.waitForLoadState("load");
    assert.match(await page.locator("p.error").textContent(), /请选择“办理事项”/);
    await fits(page);
    await noSeriousViolations(page);
    await page.getByLabel("办理事项（必选）").selectOption({ label: "高龄老年人津贴申领" });
    await page.getByRole("button", { name: "确认预约" }).click();
    await page.waitForLoadState("load");
    assert.match(await page.locator("p.result").textContent(), /预约成功：高龄老年人津贴申领，预约号 YY\S+，\d{4}-\d{2}-\d{2} \d{2}:\d{2}–\d{2}:\d{2}，莆田市行政服务中心/);
    // From an item's page the item comes chosen.
    await page.goto(demo.base + "/items/MZ-008");
    await page.getByRole("link", { name: "预约办理" }).click();
    await page.locator("table.slots a.button").first().click();
    assert.equal(await page.getByLabel("办理事项（必选）").inputValue(), "MZ-008");
    await ctx.close();
  });

  test(`hall directory (${label}): search by place or item, nearest halls, tel: links, details collapsed`, async () => {
    const ctx = await browser.newContext(size);
    const page = await ctx.newPage();
    await page.goto(demo.base + "/halls");
    // Collapsed: the windows are behind a summary; every phone can be tapped.
    assert.equal(await page.locator("details[open]").count(), 0);
    assert.equal(await page.locator("li.hall").count(), 23);
    const tels = await page.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(tels.length >= 23);
    for (const t of tels) assert.match(t, /^tel:[0-9+-]+$/);
    assert.equal(tels[0], "tel:0594-2865000");
    // By place.
    await page.getByLabel("地名或事项").fill("龙桥");
    await page.getByRole("button", { name: "查找大厅" }).click();
    await page.waitForURL(/\/halls\?/);
    assert.deepEqual(await hallNames(page), ["龙桥街道便民服务中心"]);
    // By item: the halls at the levels the 通办 list allows.
    await page.getByLabel("地名或事项").fill("养老保险关系转移");
    await page.getByRole("button", { name: "查找大厅" }).click();
    await page.waitForLoadState("load");
    assert.equal(await page.locator("li.hall").count(), 9);
    assert.match(await page.getByRole("status").textContent(), /企业职工基本养老保险关系转移接续/);
    // Nearest to a community: the same community, its street, its district, the rest.
    await page.getByLabel("地名或事项").fill("");
    await page.getByLabel("我在（镇街、社区）").selectOption({ label: "镇海街道 · 阔口社区" });
    await page.getByRole("button", { name: "查找大厅" }).click();
    await page.waitForLoadState("load");
    const names = await hallNames(page);
    assert.equal(names.length, 23);
    assert.equal(names[0], "阔口“党建+”社区邻里中心");
    assert.deepEqual(names.slice(1, 3).sort(), ["玉湖“党建+”社区邻里中心", "镇海“党建+”社区邻里中心"]);
    assert.deepEqual(names.slice(3, 6).sort(), ["拱辰“党建+”社区邻里中心", "濠浦“党建+”社区邻里中心", "荔城区行政服务中心"]);
    const words = await page.locator("li.hall .near .tag").allTextContents();
    assert.deepEqual(words.slice(0, 4), ["就在所选地点", "同一镇（街道）", "同一镇（街道）", "同一县（区）"]);
    assert.equal(words[22], "市内其他地方");
    await fits(page);
    await noSeriousViolations(page);
    // Details open on demand.
    await page.locator("li.hall summary").first().click();
    assert.match(await page.locator("li.hall details").first().textContent(), /办公时间/);
    await noSeriousViolations(page);
    await ctx.close();
  });
}

test("hall directory works without JavaScript", async () => {
  const ctx = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(demo.base + "/halls");
  await page.getByLabel("地名或事项").fill("涵江");
  await page.getByRole("button", { name: "查找大厅" }).click();
  await page.waitForLoadState("load");
  assert.ok((await hallNames(page)).includes("涵江区行政服务中心"));
  await ctx.close();
});

test("hall directory height at 390 px (reported)", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await ctx.newPage();
  await page.goto(demo.base + "/halls");
  const h = await page.evaluate(() => document.scrollingElement.scrollHeight);
  console.log(`# /halls at 390 px: ${h} px high`);
  assert.ok(h < 8000, `${h} px`);
  await ctx.close();
});
