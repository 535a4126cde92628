// City administration by a platform admin: a new town, its hall with
// 错时延时 hours, a 专窗 and two clerks named to it; a county 专窗 short of
// staff is warned of; the city workbook downloads and a bad one is refused
// naming the row. At desktop width and on a 360 px screen, with axe.
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

const notice = async (page) => (await page.locator("p.result, p.error").first().textContent()).trim();

test("a platform admin sets up a town hall with its 专窗 and named staff", async () => {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  await signIn(page, demo.base, "admin");
  await page.getByRole("link", { name: "城市管理" }).click();
  await page.waitForURL(/\/work\/city$/);
  await noSeriousViolations(page);
  await fitsPhone(page);
  // Warned: city and county 专窗 have no named staff yet.
  assert.match(await page.locator("ul.warnings").textContent(), /至少配备2名/);
  // A town under 城厢区; a code under another county is refused, named.
  await page.getByText("新增或修改区划").click();
  await page.getByLabel("区划代码（GB/T 2260）").fill("350303019");
  await page.getByLabel("名称", { exact: true }).first().fill("新城街道");
  await page.getByLabel("层级").selectOption("town");
  await page.getByLabel("上级区划代码").fill("350302");
  await page.getByRole("button", { name: "保存区划" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /不在上级区划 350302 之下/);
  await page.getByLabel("区划代码（GB/T 2260）").fill("350302019");
  await page.getByLabel("名称", { exact: true }).first().fill("新城街道");
  await page.getByLabel("层级").selectOption("town");
  await page.getByLabel("上级区划代码").fill("350302");
  await page.getByRole("button", { name: "保存区划" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /已保存区划 350302019 新城街道/);
  // Its hall, with 错时延时 and weekend hours and a 24-hour area.
  await page.getByText("新增服务中心", { exact: true }).first().click();
  const form = page.locator("form").filter({ has: page.locator('input[name="op"][value="hall"]') });
  await form.getByLabel("标识（小写字母、数字、横线）").fill("xincheng-centre");
  await form.getByLabel("名称").fill("新城街道便民服务中心");
  await form.getByLabel("类型").selectOption("convenience_centre");
  await form.getByLabel("所在区划").selectOption("350302019");
  await form.getByLabel("地址").fill("城厢区新城路1号");
  await form.getByLabel("办公时间").fill("周一至周五 8:00-12:00 14:30-17:30");
  await form.getByLabel("错时延时时段").fill("17:30-19:00，12:00-14:30");
  await form.getByLabel("周末时段").fill("09:00-12:00");
  await form.getByLabel("电话").fill("0594-2999000");
  await form.getByLabel("设有24小时自助服务区").check();
  await form.getByRole("button", { name: "新增服务中心" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /已新增服务中心：新城街道便民服务中心/);
  const hall = page.locator("details.hall-admin").filter({ hasText: "新城街道便民服务中心" });
  await hall.locator("summary").click();
  assert.match(await hall.textContent(), /错时延时 12:00-14:30,17:30-19:00 · 周末 09:00-12:00 · 24小时自助服务区/);
  await hall.getByLabel("新窗口号").fill("a01");
  await hall.getByLabel("名称").fill("全域通办专窗");
  await hall.getByLabel("全域通办专窗").check();
  await hall.getByRole("button", { name: "新增窗口" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /已新增窗口 A01/);
  // Two clerks for it, on the staff page.
  const hallId = await page.locator("details.hall-admin").filter({ hasText: "新城街道便民服务中心" }).locator('input[name="hall"]').first().getAttribute("value");
  await page.goto(demo.base + "/work/staff");
  await noSeriousViolations(page);
  await fitsPhone(page);
  for (const [u, n] of [["clerk-xc1", "郑小芳"], ["clerk-xc2", "黄志强"]]) {
    await page.getByLabel("用户名").fill(u);
    await page.getByLabel("姓名").fill(n);
    await page.getByLabel("角色").selectOption("clerk");
    await page.getByLabel("服务中心（窗口人员、中心管理员）").selectOption(hallId);
    await page.getByLabel("手机（接收办件到达通知）").fill("13805941212");
    await page.getByRole("button", { name: "新建账号" }).click();
    await page.waitForLoadState("load");
    assert.match(await notice(page), new RegExp(`已新建账号 ${u}，初始密码 [A-Z0-9]+`));
  }
  // Named to the 专窗.
  await page.goto(demo.base + "/work/city");
  const again = page.locator("details.hall-admin").filter({ hasText: "新城街道便民服务中心" });
  await again.locator("summary").click();
  await again.getByLabel("专人用户名").fill("clerk-xc1, clerk-xc2");
  await again.getByRole("button", { name: "指定 A01 专人" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /已指定专人（2人）/);
  const named = page.locator("details.hall-admin").filter({ hasText: "新城街道便民服务中心" });
  await named.locator("summary").click();
  assert.match(await named.textContent(), /郑小芳、黄志强/);
  await noSeriousViolations(page);
  await fitsPhone(page);
  // The workbook downloads; a file that is not one is refused, nothing written.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "下载当前城市设置" }).click()]);
  assert.equal(download.suggestedFilename(), "city.xlsx");
  await page.getByLabel("上传城市设置工作簿").setInputFiles({ name: "city.xlsx", mimeType: "application/octet-stream", buffer: Buffer.from("PK not a workbook") });
  await page.getByRole("button", { name: "导入" }).click();
  await page.waitForLoadState("load");
  assert.match(await notice(page), /不是可读取的 XLSX 工作簿/);
  await ctx.close();
});

test("the rollout's progress reads per district, on a phone too", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, demo.base, "clerk-zhenhai");
  await page.getByRole("link", { name: "推进情况" }).click();
  await page.waitForURL(/\/work\/rollout$/);
  const table = await page.locator("table.tbl").textContent();
  assert.match(table, /荔城区/);
  assert.match(await page.locator("p.counts").textContent(), /社区（村）\d+ \/ \d+ 设有专窗/);
  await noSeriousViolations(page);
  await fitsPhone(page);
  await ctx.close();
});
