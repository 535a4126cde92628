// Steps shared by the browser tests: signing in, the new-case wizard, the
// case page's steps and uploads, and the accessibility check.
import assert from "node:assert/strict";
import { seriousViolations } from "./harness.js";

// A valid GB 11643 number for a region prefix.
export function idNumber(prefix) {
  const first17 = `${prefix}19800101123`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const c = "10X98765432";
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + c[sum % 11];
}

export async function signIn(page, base, user) {
  await page.goto(base + "/login?next=%2Fwork");
  await page.getByLabel("用户名").fill(user);
  await page.getByLabel("密码").fill("demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(/\/work$/);
}

export async function signOut(page, base) {
  await page.getByRole("button", { name: "退出" }).click();
  await page.waitForURL(base + "/");
}

// Finds the item, answers every question with its first option, fills the applicant.
export async function newCase(page, { search, item, mode, household, refused = false, delivery = null }) {
  await page.getByRole("link", { name: /新办件|在线申请/ }).click();
  await page.getByLabel("事项名称或常用叫法").fill(search);
  await page.getByRole("button", { name: "查找" }).click();
  await page.getByRole("link", { name: item }).click();
  await noSeriousViolations(page);
  for (let i = 0; i < 6; i++) {
    if (await page.getByRole("heading", { name: /第三步/ }).count()) break;
    const unanswered = page.locator("fieldset").filter({ hasNot: page.locator("input:checked") }).first();
    if (await unanswered.count()) {
      // Choosing an option re-asks the server (app.js) and replaces the
      // questionnaire in place: wait until it has.
      // click(), not check(): the section is replaced, and check() would
      // re-verify a radio that is no longer on the page.
      await unanswered.locator("input[type=radio]").first().click();
      await page.locator("body:not([data-busy])").waitFor();
    } else {
      await page.getByRole("button", { name: "下一步" }).click();
    }
  }
  await page.getByRole("heading", { name: /第三步/ }).waitFor();
  await noSeriousViolations(page);
  // An applicant has only 全程网办, said in words rather than offered as a choice.
  const modeSelect = page.getByLabel("通办模式", { exact: true });
  if (await modeSelect.count()) await modeSelect.selectOption({ label: mode });
  else assert.match(await page.locator("form.case-form").textContent(), new RegExp(`办理方式：${mode}`));
  // Online, an applicant applies as the real-name account (prefilled);
  // a window takes the applicant's details.
  if (mode !== "全程网办") {
    await page.getByLabel("公民身份号码", { exact: true }).fill(idNumber(household));
    await page.getByLabel("姓名", { exact: true }).fill("林秀英");
    await page.getByLabel("手机号码", { exact: true }).fill("13805941234");
  }
  await page.getByLabel("户籍地", { exact: true }).selectOption({ value: household });
  if (delivery?.method === "post") {
    await page.getByLabel(/邮寄送达（免费/).check();
    await page.getByLabel("收件地址（邮寄送达时填写）").fill(delivery.address);
  } else if (delivery?.method === "pickup") {
    await page.getByLabel(/到服务中心窗口领取/).check();
    await page.getByLabel(/^领取结果的服务中心/).selectOption({ label: delivery.hall });
  }
  await page.getByRole("button", { name: /^(创建办件|下一步：上传材料)$/ }).click();
  if (refused) {
    await page.waitForLoadState("load");
    return (await page.locator(".error").first().textContent()).trim();
  }
  await page.waitForURL(/\/work\/cases\/TB\d+$/);
  return page.url().split("/").pop();
}

export async function takeStep(page, label, fill = async () => {}) {
  const section = page.locator("section.step").filter({ has: page.getByRole("heading", { name: label, exact: true }) });
  await fill(section);
  await section.getByRole("button", { name: label }).click();
  await page.waitForLoadState("load");
  const error = page.locator(".error");
  if (await error.count()) assert.fail(`${label}: ${await error.textContent()}`);
}

export async function noSeriousViolations(page) {
  const v = await seriousViolations(page);
  assert.deepEqual(v, [], `${page.url()}: ${JSON.stringify(v)}`);
}

export async function status(page) {
  return (await page.locator("p.meta .tag").first().textContent()).trim();
}


// A one-pixel PNG (a photo of a material).
export const PNG = {
  name: "photo.png",
  mimeType: "image/png",
  buffer: Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    + "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082", "hex"),
};

// Uploads a photo for every material still shown as missing (the applicant's case page).
export async function uploadMissing(page) {
  for (let i = 0; i < 12; i++) {
    const item = page.locator("ol.materials > li").filter({ hasText: "还未上传" }).first();
    if (!(await item.count())) return;
    const form = item.locator("form.upload").filter({ has: page.locator("input[type=file]") });
    await form.locator("input[type=file]").setInputFiles(PNG);
    await form.getByRole("button", { name: /^上传/ }).click();
    await page.waitForLoadState("load");
    const error = page.locator(".error");
    if (await error.count()) assert.fail(`upload: ${await error.textContent()}`);
  }
  assert.fail("materials still missing after uploads");
}

// At 360 × 740 the page is no wider than the screen; the size is restored.
export async function fitsPhone(page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const r = await page.evaluate(() => {
    const w = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest(".sr"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    return { scroll: document.scrollingElement.scrollWidth, inner: w, large: document.body.className, wide };
  });
  await page.setViewportSize(size);
  assert.ok(r.scroll <= r.inner, `${page.url()} (${r.large || "normal"}): ${r.scroll} px wide on a ${r.inner} px screen (${r.wide.join(", ")})`);
}

// The start of an MP4 file (an `ftyp` box): a recording as the server sniffs it.
export const MP4 = {
  name: "video-check.mp4",
  mimeType: "video/mp4",
  buffer: Buffer.from("00000018667479706973666d00000200697366" + "6d69736f32000000086672656500", "hex"),
};

// On the case page: starts a video check (视频核验) and records it passed
// with its recording; answers the meeting link.
export async function passVideoCheck(page) {
  const section = page.locator("section.video");
  await section.getByRole("button", { name: "发起视频核验" }).click();
  await page.waitForLoadState("load");
  const link = await section.locator("ol.video-checks a[href^='https://video.example.invalid/m/']").last().getAttribute("href");
  const form = section.locator("form").filter({ has: page.getByRole("button", { name: "记录核验结果" }) });
  await form.getByLabel("核验通过").check();
  await form.getByLabel(/录像文件/).setInputFiles(MP4);
  await form.getByRole("button", { name: "记录核验结果" }).click();
  await page.waitForLoadState("load");
  const error = page.locator(".error");
  if (await error.count()) assert.fail(`video check: ${await error.textContent()}`);
  return link;
}
