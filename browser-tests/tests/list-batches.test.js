// A batch of the 通办 list, start to finish: a platform admin drafts it with
// the bulk form, sees its difference from the list in force and submits it;
// the drafter may not approve it; a second admin publishes it; the public
// list shows each entry's batch and effective date — at desktop width and
// on a 360 px screen, with axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { signIn, signOut, noSeriousViolations, fitsPhone } from "./flows.js";

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

const runs = [
  ["desktop", { width: 1280, height: 800 }, ["city", "county"]],
  ["phone", { width: 360, height: 740 }, ["city"]],
];

for (const [label, viewport, levels] of runs) {
  test(`a list batch is drafted in bulk, reviewed by a second admin and published (${label})`, async () => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const name = `第四批（${label}）`;

    await signIn(page, demo.base, "admin");
    const link = page.locator('a[href="/work/list-batches"]');
    assert.ok((await link.count()) > 0, "the menu links the batches");
    await page.goto(demo.base + "/work/list-batches");
    // The demo's list is published batches with their dates.
    assert.match(await page.locator("table").textContent(), /已发布/);
    await noSeriousViolations(page);
    await fitsPhone(page);

    await page.getByLabel("新批次名称").fill(name);
    await page.getByRole("button", { name: "起草新批次" }).click();
    await page.waitForURL(/\/work\/list-batches\/\d+$/);
    const batchUrl = page.url();
    assert.equal((await page.locator("#batch-state").textContent()).trim(), "草稿");

    // Bulk: two items × 全程网办 × the levels ticked.
    await page.getByLabel("事项编码（多个用逗号、顿号或换行分隔）").fill("MZ-008, GA-010");
    await page.getByLabel("全程网办").check();
    for (const l of levels) await page.locator(`input[name=levels][value=${l}]`).check();
    await page.getByRole("button", { name: "写入批次" }).click();
    await page.waitForURL(/done=entries/);
    const diff = await page.locator("#diff").textContent();
    assert.match(diff, /变更“/);
    assert.equal(await page.locator("#diff li").count(), 2);
    await noSeriousViolations(page);
    await fitsPhone(page);

    await page.getByRole("button", { name: "提交审核" }).click();
    await page.waitForURL(/done=submit/);
    assert.equal((await page.locator("#batch-state").textContent()).trim(), "待审核");
    // Four eyes: the drafter is told, and offered no approval.
    assert.match(await page.locator("main").textContent(), /起草人不能审核发布自己起草的批次/);
    assert.equal(await page.getByRole("button", { name: "审核发布" }).count(), 0);
    await signOut(page, demo.base);

    await signIn(page, demo.base, "admin2");
    await page.goto(batchUrl);
    await noSeriousViolations(page);
    await fitsPhone(page);
    const today = await page.getByLabel("生效日期（不早于今天）").inputValue();
    await page.getByRole("button", { name: "审核发布" }).click();
    await page.waitForURL(/done=publish/);
    assert.equal((await page.locator("#batch-state").textContent()).trim(), "已发布");
    assert.match(await page.locator("p.meta").first().textContent(), new RegExp(`生效日期 ${today}`));

    // The public list: the entries now carry this batch and its date.
    await page.goto(demo.base + "/list");
    const cell = `${name}（${today}）`;
    assert.ok((await page.getByText(cell).count()) >= 2, `entries of ${cell}`);
    assert.match(await page.getByRole("heading", { name }).textContent(), /第四批/);
    await noSeriousViolations(page);
    await fitsPhone(page);
    // Earlier days stay readable: before the first batch there was no list.
    await page.getByLabel("查看某日生效的清单").fill("2021-01-01");
    await page.getByRole("button", { name: "查看" }).click();
    await page.waitForURL(/day=2021-01-01/);
    assert.ok(await page.getByText("该日没有生效的清单事项。").isVisible());
    await page.goto(demo.base + "/list/batches/1");
    await noSeriousViolations(page);
    await fitsPhone(page);
    await context.close();
  });
}
