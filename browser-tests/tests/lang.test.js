// English, the second language: the switch in the header turns every page
// to English and back (zh-CN stays the default); the English pages pass
// axe and fit a 360 px phone; the window's scripts speak English too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo, launch } from "./harness.js";
import { noSeriousViolations, fitsPhone, idNumber as idNumberOf } from "./flows.js";

// The wizard at the applicant step of MZ-008 (its one question answered).
const WIZARD_APPLICANT_STEP = "/work/new?item=MZ-008&a.who=self&go=1";

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

const HAN = /[\u4e00-\u9fff]/;

// The header's and footer's words: the page's own text, never data.
async function chrome(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("header nav, header .tools a, header .tools button, footer, .skip")]
      .filter((e) => !e.closest("[lang=zh-CN]:not(html)"))
      .map((e) => {
        // The switch names the other language in that language.
        const c = e.cloneNode(true);
        c.querySelectorAll("[lang]").forEach((x) => x.remove());
        return c.textContent;
      })
      .join(" ")
  );
}

async function signInByName(page, user) {
  await page.goto(demo.base + "/login?next=%2Fwork");
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill("demo");
  await page.locator('form button[type="submit"]').first().click();
  await page.waitForURL(/\/work$/);
}

test("the language switch turns the pages to English and back", async () => {
  const ctx = await browser.newContext({ locale: "en-US" });
  const page = await ctx.newPage();
  // A browser that prefers English still starts in zh-CN: the default.
  await page.goto(demo.base + "/");
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  await page.getByRole("link", { name: "English" }).click();
  await page.waitForFunction(() => document.documentElement.lang === "en");
  assert.match(await chrome(page), /Service catalogue/);
  assert.doesNotMatch(await chrome(page), HAN, "the header and footer are English");
  await noSeriousViolations(page);
  await fitsPhone(page);
  // It stays English from page to page, signed in too.
  await page.goto(demo.base + "/items");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await fitsPhone(page);
  await signInByName(page, "clerk-zhenhai");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.doesNotMatch(await chrome(page), HAN);
  await noSeriousViolations(page);
  await fitsPhone(page);
  // The window's script checks an ID number in English.
  await page.goto(demo.base + WIZARD_APPLICANT_STEP);
  const idField = page.locator("input[data-id-number]");
  await idField.fill("350304198001011230");
  await page.waitForFunction(() => document.getElementById("id-facts")?.textContent !== "");
  const said = await page.locator("#id-facts").textContent();
  assert.doesNotMatch(said, HAN, `the check says “${said}”`);
  await idField.fill(idNumberOf("350304"));
  await page.waitForFunction(() => /\d{4}-\d{2}-\d{2}/.test(document.getElementById("id-facts")?.textContent));
  const facts = await page.locator("#id-facts").textContent();
  // Birth date and sex in English; the region's name at the end is data.
  const parts = facts.split("·");
  assert.ok(parts.length >= 3, facts);
  assert.doesNotMatch(parts.slice(0, -1).join("·") + parts.at(-1).replace(/[\u4e00-\u9fff]+(（.*）)?\s*$/, ""), HAN, `the facts read “${facts}”`);
  // Back to 中文.
  await page.getByRole("link", { name: "中文" }).click();
  await page.waitForFunction(() => document.documentElement.lang === "zh-CN");
  assert.match(await chrome(page), /事项目录/);
  await ctx.close();
});

// English words are longer than Chinese ones: every applicant page still
// fits a 360 px phone in English, signed out and signed in.
test("360 px in English: no applicant page scrolls sideways", async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await ctx.addCookies([{ name: "tb_lang", value: "en", url: demo.base }]);
  const page = await ctx.newPage();
  const pages = [
    "/",
    "/items",
    "/items/GA-003",
    "/items/MZ-008?go=1",
    "/list",
    "/halls",
    "/appointments",
    "/progress",
    "/login",
    "/register",
    "/kiosk",
    "/kiosk/login",
  ];
  for (const p of pages) {
    await page.goto(demo.base + p);
    assert.equal(await page.getAttribute("html", "lang"), "en", p);
    await fitsPhone(page);
  }
  await page.goto(demo.base + "/kiosk/end");
  await ctx.addCookies([{ name: "tb_lang", value: "en", url: demo.base }]);
  await signInByName(page, "applicant-demo");
  for (const p of ["/work", "/work/new", "/work/new?item=MZ-008&go=1", "/appointments"]) {
    await page.goto(demo.base + p);
    await fitsPhone(page);
  }
  await noSeriousViolations(page);
  await ctx.close();
});
