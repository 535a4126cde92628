// Search suggestions as you type (progressive enhancement: without this
// script the search box is a plain form that lists results on submit).
// An input marked data-suggest becomes an ARIA 1.2 combobox with a listbox
// of items from GET /api/v1/items/suggest; ↑/↓ move, Enter opens the
// chosen item's page, Esc closes the list.
// The scripts' words in the page's language: pages in English load
// /static/i18n.en.js (window.TB_I18N, from locales/en/js.toml) first; a
// message with parts names them as {name}.
function T(s, args) {
  var r = (window.TB_I18N && window.TB_I18N[s]) || s;
  if (args) Object.keys(args).forEach(function (k) { r = r.split("{" + k + "}").join(String(args[k])); });
  return r;
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var listId = input.id + "-suggest";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", T("搜索建议"));
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "sr";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(list);
    input.parentNode.appendChild(status);
    input.parentNode.classList.add("has-suggest");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    var items = [], active = -1, timer = null, pending = null, last = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function go(i) {
      window.location.assign("/items/" + encodeURIComponent(items[i].code));
    }
    function mark(i) {
      var opts = list.querySelectorAll("[role=option]");
      opts.forEach(function (o, k) { o.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function show(data) {
      items = data;
      list.textContent = "";
      data.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-code", s.code);
        var name = document.createElement("span");
        name.textContent = s.name;
        var dept = document.createElement("span");
        dept.className = "dept";
        dept.textContent = s.department;
        li.appendChild(name);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(dept);
        // mousedown, not click: choosing must not first blur the input.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); go(i); });
        list.appendChild(li);
      });
      active = -1;
      list.hidden = data.length === 0;
      input.setAttribute("aria-expanded", data.length ? "true" : "false");
      status.textContent = data.length ? T("有{n}条建议，按上下键选择", { n: data.length }) : "";
    }
    function ask() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (!q) { show([]); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch("/api/v1/items/suggest?q=" + encodeURIComponent(q), { signal: pending.signal, headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "zh-CN" } })
        .then(function (r) { return r.ok ? r.json() : { data: [] }; })
        .then(function (body) { if (input.value.trim() === q) show(body.data || []); })
        .catch(function () { /* aborted or offline: the form still works */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && items.length > 0;
      if (e.key === "ArrowDown") {
        if (!open) { last = null; ask(); return; }
        e.preventDefault();
        mark(active + 1 < items.length ? active + 1 : 0);
      } else if (e.key === "ArrowUp" && open) {
        e.preventDefault();
        mark(active > 0 ? active - 1 : items.length - 1);
      } else if (e.key === "Enter" && open && active >= 0) {
        e.preventDefault();
        go(active);
      } else if (e.key === "Escape" && open) {
        e.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
});
