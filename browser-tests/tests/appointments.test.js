// Appointments: an applicant books the one home-visit place of a slot
// (预约上门: where staff go and why), the hall sees it; the next applicant
// is told it is full; cancelling frees it. The page passes axe in normal
// and 大字 mode, and fits a 360 px screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch, seriousViolations } from "./harness.js";
import { fitsPhone } from "./flows.js";

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

async function signIn(page, user) {
  await page.goto(demo.base + "/login?next=%2Fappointments");
  await page.getByLabel("用户名").fill(user);
  await page.getByLabel("密码").fill("demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/appointments/);
}

async function openHomeVisit(page) {
  await page.getByLabel("服务中心").selectOption({ label: "镇海“党建+”社区邻里中心" });
  await page.getByRole("button", { name: "查看可预约时段" }).click();
  await page.waitForLoadState("load");
  const row = page.locator("table.slots tr").filter({ hasText: "上门服务" }).first();
  return row;
}

// A home visit says where staff go and why.
async function fillVisit(page) {
  await page.getByLabel("上门地址").fill("荔城区镇海街道梅园东路12号");
  await page.getByLabel("老年人、残疾人等行动不便").check();
}

test("预约: a home-visit slot fills and the next applicant is refused; cancelling frees it", async () => {
  const a = await (await browser.newContext()).newPage();
  await signIn(a, "applicant-lin");
  let row = await openHomeVisit(a);
  assert.match(await row.textContent(), /1 \/ 1/);
  await row.getByRole("link", { name: /^预约/ }).click();
  await a.getByLabel("办理事项").selectOption({ label: "高龄老年人津贴申领" });
  await fitsPhone(a);
  await fillVisit(a);
  await a.getByRole("button", { name: "确认预约" }).click();
  await a.waitForLoadState("load");
  const notice = await a.locator("p.result").textContent();
  assert.match(notice, /预约成功：高龄老年人津贴申领，预约号 YY/);
  assert.match(notice, /上门服务：工作人员将到荔城区镇海街道梅园东路12号（老年人、残疾人等行动不便）/);
  assert.match(await a.locator("ul.bookings").textContent(), /上门服务：荔城区镇海街道梅园东路12号/);
  await fitsPhone(a);

  // The hall's clerk sees where to go among the hall's bookings.
  const day = notice.match(/(\d{4}-\d{2}-\d{2})/)[1];
  const clerk = await (await browser.newContext()).newPage();
  await signIn(clerk, "clerk-zhenhai");
  await clerk.goto(demo.base + "/appointments?day=" + day);
  const hall = await clerk.locator("body").textContent();
  assert.match(hall, new RegExp("本中心预约（" + day + "）"));
  assert.match(hall, /上门 荔城区镇海街道梅园东路12号（老年人、残疾人等行动不便）/);
  await fitsPhone(clerk);
  await clerk.context().close();

  // The other applicant finds it full; a stale page that still offers it is refused.
  const b = await (await browser.newContext()).newPage();
  await signIn(b, "applicant-demo");
  row = await openHomeVisit(b);
  assert.match(await row.textContent(), /已约满/);

  // Cancelled: the place is offered again.
  const entry = a.locator("ul.bookings li").first();
  await entry.getByRole("button", { name: /取消预约/ }).click();
  await a.waitForLoadState("load");
  assert.match(await a.locator("p.result").textContent(), /已取消预约/);
  await b.reload();
  row = await openHomeVisit(b);
  assert.match(await row.textContent(), /1 \/ 1/);
  await a.context().close();
  await b.context().close();
});

test("预约: a booked-out slot refuses the booking even from a page that still offered it", async () => {
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await signIn(a, "applicant-lin");
  await signIn(b, "applicant-demo");
  // Both open the item form for the same single-place slot.
  for (const p of [a, b]) {
    const row = await openHomeVisit(p);
    await row.getByRole("link", { name: /^预约/ }).click();
    await p.getByLabel("办理事项").selectOption({ label: "高龄老年人津贴申领" });
    await fillVisit(p);
  }
  await a.getByRole("button", { name: "确认预约" }).click();
  await a.waitForLoadState("load");
  assert.match(await a.locator("p.result").textContent(), /预约成功/);
  await b.getByRole("button", { name: "确认预约" }).click();
  await b.waitForLoadState("load");
  assert.match(await b.locator("p.error").textContent(), /该时段已约满/);
  await a.context().close();
  await b.context().close();
});

for (const large of [false, true]) {
  test(`预约 pages have no serious accessibility violations (${large ? "大字" : "normal"} mode)`, async () => {
    const ctx = await browser.newContext();
    if (large) await ctx.addCookies([{ name: "tb_large", value: "1", url: demo.base }]);
    const page = await ctx.newPage();
    await page.goto(demo.base + "/appointments");
    let v = await seriousViolations(page);
    assert.deepEqual(v, [], JSON.stringify(v));
    await signIn(page, "applicant-lin");
    v = await seriousViolations(page);
    assert.deepEqual(v, [], JSON.stringify(v));
    await openHomeVisit(page);
    await page.locator("table.slots").first().getByRole("link", { name: /^预约/ }).first().click();
    await page.getByLabel("办理事项").waitFor();
    v = await seriousViolations(page);
    assert.deepEqual(v, [], JSON.stringify(v));
    await ctx.close();
  });
}
