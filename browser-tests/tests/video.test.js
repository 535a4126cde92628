// 视频核验: an online application whose checklist asks for the ID card seen
// in the original is not accepted until a video check passed; the reviewer
// starts one on the case page, records the outcome with the recording (at
// desktop width and on a 360 px screen), and then accepts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import {
  signIn, signOut, newCase, takeStep, noSeriousViolations, status, uploadMissing, MP4, PNG,
} from "./flows.js";

let demo;
let browser;

// At 360 × 740 nothing in the 视频核验 section sticks out of the screen (the
// reviewer's step forms elsewhere on the page are not this test's). The
// size is restored.
async function sectionFitsPhone(page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const wide = await page.evaluate(() => [...document.querySelectorAll("section.video, section.video *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className}`));
  await page.setViewportSize(size);
  assert.deepEqual(wide, [], "the video section fits a 360 px screen");
}

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("a reviewer checks the applicant by video, records it, and then accepts", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, demo.base, "applicant-demo");
  const caseNo = await newCase(page, { search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304" });
  await uploadMissing(page);
  await takeStep(page, "确认提交申请");
  assert.equal(await status(page), "已提交");
  await signOut(page, demo.base);

  await signIn(page, demo.base, "reviewer-licheng-civil");
  await page.getByRole("link", { name: caseNo }).click();
  const section = page.locator("section.video");
  assert.match(await section.textContent(), /受理前须核验申请人身份：本办件未见“老年人居民身份证”原件/);
  // Accepting now is refused, naming what is missing.
  const accept = page.locator("section.step").filter({ has: page.getByRole("heading", { name: "受理", exact: true }) });
  await accept.getByRole("button", { name: "受理" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /视频核验/);
  await noSeriousViolations(page);
  await sectionFitsPhone(page);

  // Start: the meeting link shows.
  await section.getByRole("button", { name: "发起视频核验" }).click();
  await page.waitForLoadState("load");
  const first = section.locator("ol.video-checks > li").first();
  assert.match(await first.textContent(), /待记录结果/);
  assert.match(await first.getByRole("link").first().getAttribute("href"), /^https:\/\/video\.example\.invalid\/m\/[0-9a-f]{16}$/);
  await noSeriousViolations(page);
  await sectionFitsPhone(page);

  // A photo is no recording: named, nothing recorded.
  const form = first.locator("form");
  await form.getByLabel("核验通过").check();
  await form.getByLabel(/录像文件/).setInputFiles(PNG);
  await form.getByRole("button", { name: "记录核验结果" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /MP4 或 WebM/);

  // On a phone: the outcome with its recording.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${demo.base}/work/cases/${caseNo}#video`);
  const again = page.locator("section.video ol.video-checks > li").first().locator("form");
  await again.getByLabel("核验通过").check();
  await again.getByLabel(/录像文件/).setInputFiles(MP4);
  await noSeriousViolations(page);
  await again.getByRole("button", { name: "记录核验结果" }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.locator(".error").count(), 0, "no error");
  const done = page.locator("section.video ol.video-checks > li").first();
  assert.match(await done.textContent(), /核验通过/);
  const recording = await done.getByRole("link", { name: "查看录像" }).getAttribute("href");
  const r = await page.request.get(demo.base + recording);
  assert.equal(r.headers()["content-type"], "video/mp4");
  assert.match(await page.locator("section.video").textContent(), /申请人身份已核验/);
  await noSeriousViolations(page);
  await sectionFitsPhone(page);
  await page.setViewportSize({ width: 1280, height: 800 });

  // Now accepted; the timeline says it in words.
  await takeStep(page, "受理");
  assert.equal(await status(page), "已受理，审查中");
  assert.match(await page.locator("ol.timeline").textContent(), /发起视频核验[\s\S]*记录视频核验结果（[^）]*）：申请人[^：]*：核验通过，录像已存档/);
  await signOut(page, demo.base);

  // The applicant reads it in plain words.
  await signIn(page, demo.base, "applicant-demo");
  await page.getByRole("link", { name: caseNo }).click();
  assert.match(await page.locator("ol.timeline").textContent(), /荔城区民政局通过视频核验确认了身份/);
  await ctx.close();
});
