// Progressive enhancement only: every page works without this script.
// The questionnaire re-asks the server as soon as an option is chosen, so
// follow-up questions appear without pressing submit; the section is
// replaced in place, so the keyboard stays where it was (arrow keys move
// between options without leaving the page). "下一步" resolves the answers.
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
  function facts(v) {
    v = v.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return v.length >= 18 ? "号码应为17位数字加1位数字或X" : "";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(v[i]) * weights[i];
    if ("10X98765432"[sum % 11] !== v[17]) return "号码校验位不对，请核对";
    var birth = v.slice(6, 10) + "-" + v.slice(10, 12) + "-" + v.slice(12, 14);
    var sex = Number(v[16]) % 2 === 1 ? "男" : "女";
    var opt = document.querySelector('#p-household_region option[value="' + v.slice(0, 6) + '"]');
    var region = opt ? opt.textContent : v.slice(0, 6) + "（非本市，请选择户籍地）";
    return "出生日期 " + birth + " · " + sex + " · 户籍地 " + region;
  }
  // A complete, valid number of a real-name account fills the empty fields
  // (the server decides; the look-up is recorded).
  var asked = "";
  id.addEventListener("input", function () {
    var said = facts(id.value);
    out.textContent = said;
    var v = id.value.trim().toUpperCase();
    if (!/^出生日期/.test(said) || v === asked) return;
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
