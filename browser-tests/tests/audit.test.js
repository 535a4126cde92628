// The security audit log as a platform admin reads it: sentences in
// Chinese, filters by date, account, kind, outcome and case, paging, the
// XLSX export — at desktop width and on a 360 px screen, with axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { signIn, signOut, noSeriousViolations } from "./flows.js";

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

for (const [label, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 360, height: 740 }]]) {
  test(`the audit log reads as sentences, filters and exports (${label})`, async () => {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    // A clerk who tries the audit log is refused, and that is recorded.
    await signIn(page, demo.base, "clerk-longqiao");
    const refused = await page.goto(demo.base + "/work/audit");
    assert.equal(refused.status(), 403);
    await page.goto(demo.base + "/work");
    await signOut(page, demo.base);

    await signIn(page, demo.base, "admin");
    await page.goto(demo.base + "/work/audit");
    await page.getByLabel("结果").selectOption({ label: "被拒绝" });
    await page.getByLabel("账号（用户名）").fill("clerk-longqiao");
    await page.getByRole("button", { name: "筛选" }).click();
    await page.waitForURL(/outcome=denied/);
    const first = page.locator(".audit-entry .sentence").first();
    assert.match(await first.textContent(), /^黄志强（.*龙桥街道便民服务中心）查看安全审计日志：被拒绝，无此权限$/);
    // The raw record is there for the admin, folded away.
    const raw = page.locator(".audit-entry details pre").first();
    assert.equal(await raw.isVisible(), false);
    await page.locator(".audit-entry summary").first().click();
    assert.match(await raw.textContent(), /readaudit/);
    await noSeriousViolations(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `no horizontal scroll: ${width}px`);

    // The export holds what the filter shows.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "导出 XLSX" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^audit-\d{4}-\d{2}-\d{2}\.xlsx$/);
    // …and is itself in the log.
    await page.goto(demo.base + "/work/audit?kind=export");
    assert.match(await page.locator(".audit-entry .sentence").first().textContent(), /^平台管理员（平台）导出安全审计日志（\d+条）$/);

    // The whole log pages on, and a date in the future finds nothing.
    await page.goto(demo.base + "/work/audit");
    await page.getByRole("link", { name: "下一页" }).click();
    await page.waitForURL(/cursor=/);
    assert.ok((await page.locator(".audit-entry").count()) > 0);
    await page.getByRole("link", { name: "回到最新" }).click();
    await page.getByLabel("开始日期").fill("2099-01-01");
    await page.getByRole("button", { name: "筛选" }).click();
    await page.waitForURL(/from=2099-01-01/);
    assert.ok(await page.getByText("没有符合条件的记录").isVisible());
    await noSeriousViolations(page);
    await context.close();
  });
}
