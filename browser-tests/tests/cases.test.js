// One case through each mode in the workbenches: 受审分离 at a community
// centre, 收受分离 at a town centre for another county's household, and
// 全程网办 by the applicant — each decided by the owning department.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import {
  idNumber, signIn as signInAt, signOut as signOutAt, newCase, takeStep, noSeriousViolations, status, uploadMissing, PNG,
  fitsPhone, passVideoCheck,
} from "./flows.js";

// An applicant's page: no serious axe violation, and it fits a 360 px phone.
async function applicantPage(page) {
  await noSeriousViolations(page);
  await fitsPhone(page);
}

const signIn = (page, user) => signInAt(page, demo.base, user);
const signOut = (page) => signOutAt(page, demo.base);

// Runs `check` on the page in normal and in 大字 mode (the toggle returns to the page).
async function inBothModes(page, check) {
  await check(page);
  await page.getByRole("link", { name: "大字模式" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator("body").getAttribute("class"), /large/);
  await check(page);
  await page.getByRole("link", { name: "标准模式" }).click();
  await page.waitForLoadState("load");
}

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

async function decideDeliverComplete(page) {
  await takeStep(page, "作出决定", async (s) => {
    await s.getByLabel("准予").check();
    await s.getByLabel("理由").fill("材料齐全，符合条件");
  });
  assert.equal(await status(page), "准予");
  await takeStep(page, "送达结果", async (s) => {
    await s.getByLabel("送达方式").selectOption("electronic");
  });
  await takeStep(page, "办结");
  assert.equal(await status(page), "已办结");
}

test("受审分离: the community window accepts on the spot, the district decides", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, "clerk-zhenhai");
  await noSeriousViolations(page);
  const caseNo = await newCase(page, { search: "高龄", item: "高龄老年人津贴申领", mode: "窗口受审分离", household: "350304" });
  assert.equal(await status(page), "已提交");
  await noSeriousViolations(page);
  // The clerk scans one material and takes another on paper.
  const forms = page.locator("form.receive");
  await forms.nth(0).getByLabel("收取方式").selectOption("scan");
  await forms.nth(0).getByLabel(/扫描件（PDF/).setInputFiles({
    name: "scan.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"),
  });
  await forms.nth(0).getByRole("button", { name: /^登记/ }).click();
  await page.waitForLoadState("load");
  await page.locator("form.receive").nth(1).getByRole("button", { name: /^登记/ }).click();
  await page.waitForLoadState("load");
  const list = await page.locator("ol.materials").first().textContent();
  assert.match(list, /已收：扫描件/);
  assert.match(list, /已收：纸质/);
  // An executable dressed as a PDF is refused.
  await page.locator("form.receive").nth(2).getByLabel("收取方式").selectOption("scan");
  await page.locator("form.receive").nth(2).getByLabel(/扫描件（PDF/).setInputFiles({ name: "x.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00binary") });
  await page.locator("form.receive").nth(2).getByRole("button", { name: /^登记/ }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /只接受 PDF、JPEG 或 PNG/);
  await takeStep(page, "受理");
  assert.equal(await status(page), "已受理，审查中");
  // The department's steps are shown to the clerk as unavailable, with the reason, and no button.
  const decide = page.locator("section.step").filter({ has: page.getByRole("heading", { name: "作出决定", exact: true }) });
  assert.match(await decide.textContent(), /此步骤由审批部门办理/);
  assert.equal(await decide.getByRole("button").count(), 0);
  assert.match(await page.locator("dl.elements").textContent(), /荔城区民政局/);
  // The printable slip: the promised date, the verification code and the QR code.
  await page.getByRole("link", { name: "打印《受理承诺单》" }).click();
  await page.getByRole("heading", { name: "受理承诺单" }).waitFor();
  assert.equal(await page.getByRole("img", { name: "办理进度查询二维码" }).count(), 1);
  assert.match(await page.locator("main").textContent(), /承诺办结日期\s*\d{4}-\d{2}-\d{2}/);
  await noSeriousViolations(page);
  await page.getByRole("link", { name: "返回办件" }).click();
  await signOut(page);
  await signIn(page, "reviewer-licheng-civil");
  await page.getByRole("link", { name: caseNo }).click();
  await decideDeliverComplete(page);
  await ctx.close();
});

test("收受分离: a Longqiao window collects for a Xianyou household; Xianyou police pre-review and accept", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, "clerk-longqiao");
  const caseNo = await newCase(page, { search: "身份证换领", item: "居民身份证换领", mode: "窗口收受分离", household: "350322" });
  // The department works from the electronic file: the case waits as a
  // draft until the window has scanned the materials.
  assert.equal(await status(page), "草稿");
  const submit = page.locator("section.step").filter({ has: page.getByRole("heading", { name: "提交申请", exact: true }) });
  assert.match(await submit.textContent(), /以下材料尚无扫描件或电子证照：原居民身份证/);
  await submit.getByRole("button", { name: "提交申请" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /请先扫描，或说明例外情形及理由/);
  const form = page.locator("form.receive").first();
  await form.getByLabel("收取方式").selectOption("scan");
  await form.getByLabel(/扫描件（PDF/).setInputFiles(PNG);
  await form.getByRole("button", { name: /^登记/ }).click();
  await page.waitForLoadState("load");
  await takeStep(page, "提交申请");
  assert.equal(await status(page), "预审中");
  assert.match(await page.locator("dl.elements").textContent(), /仙游县公安局/);
  assert.match(await page.locator("p.meta").textContent(), /跨区域/);
  await signOut(page);
  await signIn(page, "reviewer-xianyou-police");
  await noSeriousViolations(page);
  await page.getByRole("link", { name: caseNo }).click();
  await takeStep(page, "预审通过");
  await takeStep(page, "受理");
  assert.equal(await status(page), "已受理，审查中");
  assert.match(await page.locator("dl.elements").textContent(), /剩余 \d+ 个工作日/);
  await decideDeliverComplete(page);
  await ctx.close();
});

test("全程网办: the applicant applies online with every material and a delivery choice, answers a one-time notice, and gets the approved result", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, "applicant-demo");
  const address = "莆田市荔城区镇海街道梅园东路1号";
  const caseNo = await newCase(page, {
    search: "高龄", item: "高龄老年人津贴申领", mode: "全程网办", household: "350304",
    delivery: { method: "post", address },
  });
  assert.equal(await status(page), "草稿");
  assert.match(await page.locator("#plain-status").textContent(), /申请还没有提交/);
  assert.match(await page.locator("dl.elements").textContent(), new RegExp(`邮寄送达：${address}`));
  await inBothModes(page, applicantPage);
  // Confirming before every material is there names what is missing.
  await page.locator("section.step").getByRole("button", { name: "确认提交申请" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /请先上传以下材料：.*居民户口簿/);
  // The ID card comes from the e-licence library instead of a photo (免提交).
  // One form lists every material the library can stand in for; only the
  // ID card is kept ticked here, so the others go as scans.
  const licences = page.locator("section.licences");
  assert.match(await licences.getByLabel("“老年人居民身份证”使用的电子证照").textContent(), /电子居民身份证（莆田市公安局/);
  for (const other of await licences.getByRole("checkbox").all()) {
    if ((await other.evaluate((e) => e.value)) !== "id_card") await other.uncheck();
  }
  await licences.getByRole("button", { name: "使用所选电子证照" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator("ol.materials > li").filter({ hasText: "老年人居民身份证" }).textContent(), /已上传：电子证照/);
  await uploadMissing(page);
  assert.match(await page.getByRole("heading", { name: /申请材料/ }).textContent(), /已上传 3 \/ 3 项/);
  assert.match(await page.locator("section.step").first().textContent(), /材料已上传 3 \/ 3 项，结果领取方式：邮寄送达/);
  await takeStep(page, "确认提交申请");
  assert.equal(await status(page), "已提交");
  assert.match(await page.locator("#plain-status").textContent(), /正在等待荔城区民政局受理/);
  assert.match(await page.locator("ol.timeline").textContent(), /您上传了“居民户口簿”[\s\S]*您提交了申请/);
  // The receipt, printable at home or at a kiosk.
  await page.getByRole("link", { name: "打印《网上申请回执》" }).click();
  const receipt = await page.locator("main").textContent();
  assert.match(receipt, new RegExp(caseNo));
  assert.match(receipt, /等待审批部门受理/);
  assert.match(receipt, new RegExp(`邮寄送达：${address}`));
  await noSeriousViolations(page);
  await page.getByRole("link", { name: "返回办件" }).click();
  await signOut(page);

  await signIn(page, "reviewer-licheng-civil");
  await page.getByRole("link", { name: caseNo }).click();
  // The department sees the photos the applicant uploaded.
  assert.match(await page.locator("ol.materials").first().textContent(), /已收：扫描件/);
  // The applicant was never seen: a video check confirms the identity first.
  await passVideoCheck(page);
  await takeStep(page, "受理");
  // The notice is built from the checklist: tick what is wrong and say how.
  await noSeriousViolations(page);
  await takeStep(page, "一次性告知补正", async (s) => {
    await s.getByLabel("居民户口簿", { exact: true }).check();
    await s.getByLabel("“居民户口簿”缺少或有误之处").fill("缺本人页");
  });
  assert.equal(await status(page), "待补正");
  assert.match(await page.locator("ol.timeline").textContent(), /居民户口簿（缺本人页）/);
  await page.getByRole("link", { name: "打印《一次性告知书》" }).click();
  assert.match(await page.locator("main").textContent(), /居民户口簿\s*缺本人页/);
  await noSeriousViolations(page);
  await page.getByRole("link", { name: "返回办件" }).click();
  await signOut(page);

  // The applicant answers the notice online with a fresh upload.
  await signIn(page, "applicant-demo");
  await page.getByRole("link", { name: caseNo }).click();
  assert.match(await page.locator("section.notice-box").textContent(), /居民户口簿[\s\S]*缺本人页/);
  await inBothModes(page, applicantPage);
  await page.locator("section.step").getByRole("button", { name: "提交补正材料" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator(".error").textContent(), /请先重新上传一次性告知书列明的材料：居民户口簿/);
  const hukou = page.locator("ol.materials > li").filter({ hasText: "居民户口簿" }).locator("form.upload").first();
  await hukou.locator("input[type=file]").setInputFiles(PNG);
  await hukou.getByRole("button", { name: "上传“居民户口簿”" }).click();
  await page.waitForLoadState("load");
  await takeStep(page, "提交补正材料");
  assert.equal(await status(page), "已受理，审查中");
  await signOut(page);

  // The department approves and delivers the way the applicant chose.
  await signIn(page, "reviewer-licheng-civil");
  await page.getByRole("link", { name: caseNo }).click();
  await takeStep(page, "作出决定", async (s) => {
    await s.getByLabel("准予").check();
    await s.getByLabel("理由").fill("材料齐全，符合条件");
  });
  const deliver = page.locator("section.step").filter({ has: page.getByRole("heading", { name: "送达结果", exact: true }) });
  assert.equal(await deliver.getByLabel("送达方式").inputValue(), "post");
  assert.equal(await deliver.getByLabel("收件地址（邮寄送达）").inputValue(), address);
  await takeStep(page, "送达结果");
  await takeStep(page, "办结");
  assert.equal(await status(page), "已办结");
  await signOut(page);

  // The applicant sees the approved result in plain words.
  await signIn(page, "applicant-demo");
  await page.getByRole("link", { name: caseNo }).click();
  assert.equal(await status(page), "已办结");
  const timeline = await page.locator("ol.timeline").textContent();
  assert.match(timeline, /荔城区民政局作出决定：准予，理由：材料齐全，符合条件/);
  assert.match(timeline, new RegExp(`荔城区民政局送出了审批结果（邮寄送达至${address}）`));
  await inBothModes(page, applicantPage);
  // The public progress page, with the slip's code, in both modes.
  const code = (await page.locator("dl.elements dt", { hasText: "查询验证码" }).locator("xpath=following-sibling::dd[1]").textContent()).trim();
  await page.goto(`${demo.base}/progress?case_no=${caseNo}&code=${code}`);
  assert.match(await page.locator("main").textContent(), /已办结/);
  await inBothModes(page, applicantPage);
  await page.goto(`${demo.base}/work/cases/${caseNo}`);
  // 我的办件 lists it, in plain words too.
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "我的办件" }).click();
  assert.match(await page.locator("ol.case-cards").textContent(), new RegExp(`${caseNo}[\\s\\S]*已办结`));
  await inBothModes(page, applicantPage);
  await page.getByRole("link", { name: caseNo }).click();

  // 好差评: the applicant rates the completed case 不满意; the department rectifies.
  const rate = page.locator("section.rate");
  for (const dim of ["总体评价", "办事效率", "办事指南准确性", "办理便捷度", "平台易用性"]) {
    await rate.getByRole("group", { name: dim }).getByLabel("不满意", { exact: true }).check();
  }
  await rate.getByLabel(/评价内容/).fill("补正通知来得太晚");
  await noSeriousViolations(page);
  await rate.getByRole("button", { name: "提交评价" }).click();
  await page.waitForLoadState("load");
  assert.match(await page.locator("section.rate").textContent(), /您的评价：不满意[\s\S]*已转交责任单位整改/);
  await signOut(page);
  await signIn(page, "reviewer-licheng-civil");
  await page.goto(demo.base + "/work/rectifications");
  const task = page.locator("ol.rectifications li").filter({ hasText: caseNo });
  assert.match(await task.textContent(), /整改中[\s\S]*补正通知来得太晚/);
  await noSeriousViolations(page);
  await task.getByLabel("跟进记录").fill("已致电申请人说明原因");
  await task.getByRole("button", { name: /记录跟进/ }).click();
  await page.waitForLoadState("load");
  const again = page.locator("ol.rectifications li").filter({ hasText: caseNo });
  await again.getByLabel("整改情况说明").fill("补正通知改为受理当日发出");
  await again.getByRole("button", { name: /整改办结/ }).click();
  await page.waitForLoadState("load");
  const done = await page.locator("ol.rectifications li").filter({ hasText: caseNo }).textContent();
  assert.match(done, /已办结/);
  assert.match(done, /跟进：已致电申请人说明原因/);
  assert.match(done, /整改情况：补正通知改为受理当日发出/);
  await ctx.close();
});

test("授权信任: a department admin grants 龙桥 the remote-acceptance right, the clerk uses it, the grant is revoked", async () => {
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin-licheng-police");
  await admin.getByRole("link", { name: "授权信任" }).click();
  await admin.getByRole("heading", { name: "授权信任：莆田市公安局荔城分局" }).waitFor();
  await noSeriousViolations(admin);
  const longqiaoRow = () => admin.locator("table.matrix tr").filter({ has: admin.getByRole("rowheader", { name: /龙桥街道便民服务中心/ }) });
  assert.match(await longqiaoRow().locator("td").first().textContent(), /未授权/);

  // Without the right, the 龙桥 window cannot collect a 荔城 household's ID card case, and is told why.
  const clerkCtx = await browser.newContext();
  const clerk = await clerkCtx.newPage();
  await signIn(clerk, "clerk-longqiao");
  const caseOpts = { search: "身份证换领", item: "居民身份证换领", mode: "窗口收受分离", household: "350304" };
  const refused = await newCase(clerk, { ...caseOpts, refused: true });
  assert.match(refused, /未获审批部门授予异地收件受理权/);

  // Given.
  await admin.getByLabel("服务中心", { exact: true }).selectOption({ label: "龙桥街道便民服务中心" });
  await admin.getByLabel("异地收件受理权").check();
  await admin.getByLabel("授权依据或理由").fill("龙桥街道完成公安业务培训");
  await admin.getByRole("button", { name: "授权", exact: true }).click();
  await admin.waitForLoadState("load");
  assert.match(await admin.locator("p.result").textContent(), /已授权：龙桥街道便民服务中心/);
  assert.match(await longqiaoRow().locator("td").first().textContent(), /全部事项，至/);

  // Used.
  await clerk.goto(demo.base + "/work");
  const caseNo = await newCase(clerk, caseOpts);
  assert.match(caseNo, /^TB\d+$/);
  assert.equal(await status(clerk), "草稿", "收受分离 waits for the scans");

  // Revoked: the record stays in the history; the window is refused again.
  const entry = admin.locator("ol.grants li").filter({ hasText: "龙桥街道完成公安业务培训" });
  await entry.getByLabel("撤销理由").fill("复核未通过");
  await entry.getByRole("button", { name: /撤销授权/ }).click();
  await admin.waitForLoadState("load");
  assert.match(await admin.locator("p.result").textContent(), /已撤销授权/);
  assert.match(await admin.locator("ol.grants li").filter({ hasText: "龙桥街道完成公安业务培训" }).textContent(), /已撤销[\s\S]*复核未通过/);
  assert.match(await longqiaoRow().locator("td").first().textContent(), /已撤销/);
  await clerk.goto(demo.base + "/work");
  const again = await newCase(clerk, { ...caseOpts, refused: true });
  assert.match(again, /已撤销本窗口的异地收件受理权/);
  await adminCtx.close();
  await clerkCtx.close();
});
