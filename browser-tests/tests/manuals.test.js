// 培训手册 as window staff read them: choose a hall, read its rights by
// department, open an item's manual, download the PDF — at desktop width
// and on a 360 px screen, with axe. Applicants are refused.
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

async function fits(page, viewport) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= viewport.width, `no horizontal scroll: ${width}px`);
}

for (const [label, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 360, height: 740 }]]) {
  test(`staff read a hall's and an item's training manual (${label})`, async () => {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, demo.base, "applicant-demo");
    const refused = await page.goto(demo.base + "/work/manuals");
    assert.equal(refused.status(), 403);
    await page.goto(demo.base + "/");
    await signOut(page, demo.base);

    await signIn(page, demo.base, "clerk-longqiao");
    await page.goto(demo.base + "/work/manuals");
    await noSeriousViolations(page);
    await fits(page, viewport);
    await page.getByLabel("服务大厅").selectOption({ label: "龙桥街道便民服务中心（镇（街）级）" });
    await page.getByRole("button", { name: "打开手册" }).first().click();
    await page.waitForURL(/\/work\/manuals\/halls\/\d+$/);
    assert.match(await page.locator("h1").textContent(), /龙桥街道便民服务中心/);
    assert.ok(await page.getByRole("heading", { name: "莆田市公安局荔城分局" }).isVisible());
    await noSeriousViolations(page);
    await fits(page, viewport);

    // The PDF link serves the manual with the session's cookie.
    const href = await page.getByRole("link", { name: "下载 PDF 手册" }).getAttribute("href");
    const pdf = await page.request.get(demo.base + href);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    assert.match(pdf.headers()["content-disposition"], /manual-hall-\d+-r\d+\.pdf/);

    await page.goto(demo.base + "/work/manuals");
    await page.getByLabel("事项编码").fill("GA-002");
    await page.getByRole("button", { name: "打开手册" }).nth(1).click();
    await page.waitForURL(/\/items\/GA-002\/manual$/);
    assert.ok(await page.getByRole("heading", { name: "3. 一次性告知的常见原因" }).isVisible());
    await noSeriousViolations(page);
    await fits(page, viewport);
    await context.close();
  });
}
