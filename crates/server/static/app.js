// Progressive enhancement only: every page works without this script.
// The questionnaire re-asks the server as soon as an option is chosen, so
// follow-up questions appear without pressing submit; the section is
// replaced in place, so the keyboard stays where it was (arrow keys move
// between options without leaving the page). "下一步" resolves the answers.
// The scripts' words in the page's language: pages in English load
// /static/i18n.en.js (window.TB_I18N, from locales/en/js.toml) first; a
// message with parts names them as {name}.
function T(s, args) {
  var r = (window.TB_I18N && window.TB_I18N[s]) || s;
  if (args) Object.keys(args).forEach(function (k) { r = r.split("{" + k + "}").join(String(args[k])); });
  return r;
}

document.addEventListener("DOMContentLoaded", function () {
  var section = document.getElementById("guide-section");
  if (!section) return;
  var busy = 0;
  section.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || t.type !== "radio") return;
    var form = t.form;
    // Drop answers to later questions: they may no longer be shown.
    var names = [];
    form.querySelectorAll("fieldset").forEach(function (fs) {
      var r = fs.querySelector("input[type=radio]");
      if (r) names.push(r.name);
    });
    names.slice(names.indexOf(t.name) + 1).forEach(function (n) {
      form.querySelectorAll('input[name="' + n + '"]').forEach(function (x) { x.checked = false; });
    });
    var params = new URLSearchParams(new FormData(form));
    params.delete("go");
    params.set("ask", "1");
    var mine = ++busy;
    document.body.setAttribute("data-busy", "1");
    fetch(form.getAttribute("action") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (mine !== busy) return; // a later answer is on its way
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("guide-section");
        var cur = document.getElementById("guide-section");
        if (!fresh || !cur) return;
        var name = t.name, value = t.value;
        cur.replaceWith(fresh);
        var again = fresh.querySelector('input[name="' + name + '"][value="' + value + '"]');
        if (again) again.focus();
      })
      .catch(function () { form.submit(); })
      .finally(function () { if (mine === busy) document.body.removeAttribute("data-busy"); });
  });
});

// The applicant form: a person's fields or a company's, never both; what
// an ID number says (birth date, sex, household region) as it is typed.
document.addEventListener("DOMContentLoaded", function () {
  var switches = document.querySelectorAll("[data-kind-switch]");
  switches.forEach(function (r) {
    r.addEventListener("change", function () {
      document.querySelectorAll("fieldset[data-kind]").forEach(function (fs) {
        var on = fs.getAttribute("data-kind") === r.value;
        fs.hidden = !on;
        fs.disabled = !on;
      });
      var first = document.querySelector('fieldset[data-kind="' + r.value + '"] input');
      if (first) first.focus();
    });
  });
  var id = document.querySelector("[data-id-number]");
  var out = document.getElementById("id-facts");
  if (!id || !out) return;
  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var valid = false;
  function facts(v) {
    valid = false;
    v = v.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return v.length >= 18 ? T("号码应为17位数字加1位数字或X") : "";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(v[i]) * weights[i];
    if ("10X98765432"[sum % 11] !== v[17]) return T("号码校验位不对，请核对");
    var birth = v.slice(6, 10) + "-" + v.slice(10, 12) + "-" + v.slice(12, 14);
    var sex = Number(v[16]) % 2 === 1 ? T("男") : T("女");
    var opt = document.querySelector('#p-household_region option[value="' + v.slice(0, 6) + '"]');
    var region = opt ? opt.textContent : T("{code}（非本市，请选择户籍地）", { code: v.slice(0, 6) });
    valid = true;
    return T("出生日期 {birth} · {sex} · 户籍地 {region}", { birth: birth, sex: sex, region: region });
  }
  // A complete, valid number of a real-name account fills the empty fields
  // (the server decides; the look-up is recorded).
  var asked = "";
  id.addEventListener("input", function () {
    var said = facts(id.value);
    out.textContent = said;
    var v = id.value.trim().toUpperCase();
    if (!valid || v === asked) return;
    asked = v;
    var form = id.form;
    var params = new URLSearchParams();
    ["item"].concat(Array.prototype.map.call(form.querySelectorAll('input[type=hidden][name^="a."]'), function (x) { return x.name; }))
      .forEach(function (n) { var x = form.querySelector('[name="' + n + '"]'); if (x) params.set(n, x.value); });
    params.set("go", "1");
    params.set("id_number", v);
    document.body.setAttribute("data-busy", "1");
    fetch("/work/new?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var filled = false;
        doc.querySelectorAll('fieldset[data-kind="person"] [name]').forEach(function (x) {
          var here = form.querySelector('fieldset[data-kind="person"] [name="' + x.name + '"]');
          if (!here || here === id || here.value || !x.value) return;
          here.value = x.value;
          filled = true;
        });
        if (filled) {
          var next = Array.prototype.find.call(form.querySelectorAll('fieldset[data-kind="person"] input'), function (x) { return !x.value; });
          (next || form.querySelector("[data-submit]")).focus();
        }
      })
      .catch(function () {})
      .finally(function () { document.body.removeAttribute("data-busy"); });
  });
});

// Keyboard shortcuts (listed on the page): "/" to the search box, 1–9 to a
// numbered result, Alt+Enter submits the step, Alt+N a new case, Alt+W the
// workbench.
document.addEventListener("keydown", function (e) {
  var t = e.target;
  var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") && t.type !== "radio" && t.type !== "checkbox";
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    if (e.key === "Enter") {
      var scope = (t && t.form) || document;
      var b = scope.querySelector("[data-submit]") || document.querySelector("[data-submit]");
      if (b) { e.preventDefault(); b.click(); }
      return;
    }
    var k = e.key.toLowerCase();
    if (k === "n" && document.querySelector('a[href="/work/new"]')) { e.preventDefault(); location.href = "/work/new"; return; }
    if (k === "w" && document.querySelector('a[href="/work"]')) { e.preventDefault(); location.href = "/work"; return; }
    return;
  }
  if (typing || e.ctrlKey || e.metaKey) return;
  if (e.key === "/") {
    var box = document.querySelector("[data-slash]");
    if (box) { e.preventDefault(); box.focus(); box.select && box.select(); }
    return;
  }
  if (/^[1-9]$/.test(e.key)) {
    var list = document.querySelector("[data-numbered]");
    if (!list) return;
    var links = list.querySelectorAll("li > a");
    var a = links[Number(e.key) - 1];
    if (a) { e.preventDefault(); a.click(); }
  }
});

// The public item page's questionnaire asks the server as an option is
// chosen (the page moves on to the materials once every question is
// answered).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("guide-form");
  if (!form || form.closest("#guide-section")) return;
  form.addEventListener("change", function (e) {
    if (e.target && e.target.type === "radio") {
      // Drop answers to later questions: they may no longer be shown.
      var names = [];
      form.querySelectorAll("fieldset").forEach(function (fs) {
        var r = fs.querySelector("input[type=radio]");
        if (r) names.push(r.name);
      });
      names.slice(names.indexOf(e.target.name) + 1).forEach(function (n) {
        form.querySelectorAll('input[name="' + n + '"]').forEach(function (x) { x.checked = false; });
      });
      form.querySelectorAll("input[required]").forEach(function (x) { x.removeAttribute("required"); });
      form.submit();
    }
  });
});

// Self-service kiosk (自助机): after a while without a touch, end the
// session and clear the screen, so the next person sees nothing personal.
document.addEventListener("DOMContentLoaded", function () {
  var idle = Number(document.body.getAttribute("data-idle") || 0);
  if (!idle) return;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.replace("/kiosk/end"); }, idle * 1000);
  }
  ["pointerdown", "keydown", "input", "touchstart", "scroll"].forEach(function (ev) {
    document.addEventListener(ev, reset, { passive: true });
  });
  reset();
});

// Printable documents: a button that opens the browser's print dialogue
// (hidden without JavaScript, where the browser's own menu serves).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
});

// Counter devices through the window's local device service
// (docs/devices.md): the ID-card reader fills the applicant from the chip
// and the form records the read; the document camera's pages go into a
// material as one scan. Without a service the pages work as before.
function deviceCall(base, path) {
  return fetch(base + path, { method: "POST", headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang || "zh-CN" } })
    .then(function (r) {
      return r.json().catch(function () { return { message: T("设备服务返回了无法识别的内容") }; })
        .then(function (j) { return r.ok ? j : Promise.reject(j); });
    }, function () { return Promise.reject({ message: T("连接不到本机设备服务，请检查读卡器、高拍仪是否已连接") }); });
}

document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-read-card]");
  if (!box) return;
  var wrap = box.closest("[data-devices]");
  var base = wrap.getAttribute("data-devices");
  var form = box.form;
  var say = wrap.querySelector("[data-device-status]");
  var img = wrap.querySelector("[data-chip-photo]");
  var chip = function (k) { return form.querySelector('input[name="chip_' + k + '"]'); };
  var field = function (n) { return form.querySelector('fieldset[data-kind="person"] [name="' + n + '"]'); };
  box.hidden = false;
  box.addEventListener("click", function () {
    say.textContent = T("正在读卡…");
    deviceCall(base, "/idcard/read").then(function (c) {
      field("name").value = c.name;
      field("address").value = c.address || "";
      var id = field("id_number");
      id.value = c.id_number;
      chip("device").value = c.device;
      chip("name").value = c.name;
      chip("id_number").value = c.id_number;
      chip("photo").value = c.photo || "";
      if (c.photo) { img.src = c.photo; img.hidden = false; }
      say.textContent = T("已从身份证芯片读取：{name}（读卡器 {device}）", { name: c.name, device: c.device });
      id.dispatchEvent(new Event("input", { bubbles: true }));
      var next = field("phone");
      (next && !next.value ? next : form.querySelector("[data-submit]")).focus();
    }, function (e) { say.textContent = T("读卡失败：{reason}", { reason: e.message || T("请重试") }); });
  });
  // The name or number typed over after reading is no longer the chip's.
  ["name", "id_number"].forEach(function (n) {
    var x = field(n);
    if (!x) return;
    x.addEventListener("input", function (e) {
      if (!e.isTrusted || !chip("device").value || x.value === chip(n).value) return;
      ["device", "name", "id_number", "photo"].forEach(function (k) { chip(k).value = ""; });
      img.hidden = true;
      say.textContent = T("已手工修改，读卡记录已清除");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === "r") { e.preventDefault(); box.click(); }
  });
});

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-capture]").forEach(function (panel) {
    var base = panel.getAttribute("data-devices");
    var shots = [];
    var list = panel.querySelector(".shots");
    var count = panel.querySelector("[data-count]");
    var undo = panel.querySelector("[data-undo]");
    var keep = panel.querySelector("[data-keep]");
    var pages = panel.querySelector("[data-pages-form]");
    function show() {
      list.textContent = "";
      shots.forEach(function (s, i) {
        var im = document.createElement("img");
        im.src = s; im.alt = T("第{n}页", { n: i + 1 }); im.width = 62; im.height = 88;
        list.appendChild(im);
      });
      count.textContent = shots.length ? T("已拍 {n} 页", { n: shots.length }) : "";
      undo.disabled = keep.disabled = !shots.length;
    }
    panel.hidden = false;
    panel.querySelector("[data-shoot]").addEventListener("click", function () {
      count.textContent = T("正在拍摄…");
      deviceCall(base, "/camera/capture").then(function (c) { shots.push(c.image); show(); },
        function (e) { count.textContent = T("拍摄失败：{reason}", { reason: e.message || T("请重试") }); });
    });
    undo.addEventListener("click", function () { shots.pop(); show(); });
    keep.addEventListener("click", function () {
      var files = new DataTransfer();
      shots.forEach(function (s, i) {
        var bin = atob(s.split(",")[1]);
        var bytes = new Uint8Array(bin.length);
        for (var j = 0; j < bin.length; j++) bytes[j] = bin.charCodeAt(j);
        var type = s.slice(5, s.indexOf(";"));
        files.items.add(new File([bytes], "page-" + (i + 1) + (type === "image/png" ? ".png" : ".jpg"), { type: type }));
      });
      pages.querySelector('input[name="page"]').files = files.files;
      var seen = panel.closest("li").querySelector('input[name="original_verified"][type="checkbox"]');
      pages.querySelector('input[name="original_verified"]').value = seen && seen.checked ? "true" : "false";
      keep.disabled = true;
      pages.submit();
    });
  });
});
