// Progressive enhancement only: every page works without this script.
// The questionnaire re-asks the server as soon as an option is chosen, so
// follow-up questions and the material list appear without pressing submit.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("guide-form");
  if (!form) return;
  form.addEventListener("change", function (e) {
    if (e.target && e.target.type === "radio") {
      // Drop answers to later questions: they may no longer be shown.
      var names = [];
      form.querySelectorAll("fieldset").forEach(function (fs) {
        var r = fs.querySelector("input[type=radio]");
        if (r) names.push(r.name);
      });
      var idx = names.indexOf(e.target.name);
      names.slice(idx + 1).forEach(function (n) {
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
