// The "Keep In Touch" popup: once per visitor, after they have read part of the page,
// never on load, never for someone who signed up or said no.
(function () {
  "use strict";
  var KEY = "dateline:signup-popup";
  var dialog = document.querySelector("[data-signup-popup]");

  function remembered() {
    try { return localStorage.getItem(KEY); } catch (e) { return "unavailable"; }
  }
  function remember(value) {
    try { localStorage.setItem(KEY, value); } catch (e) { /* private mode: ask again next time */ }
  }

  // Forms in a cached page carry the stamp of when the page was cached: the first time the
  // reader starts typing in one, ask for a fresh stamp so the fill time is measured truly.
  document.querySelectorAll("[data-signup-form]").forEach(function (signupForm) {
    signupForm.addEventListener("focusin", function once() {
      signupForm.removeEventListener("focusin", once);
      var url = dialog ? dialog.dataset.stampUrl : "/forms/stamp/";
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.issued) signupForm.querySelector('[name="issued"]').value = data.issued;
        })
        .catch(function () {});
    });
  });

  // The pages after a signup or a confirmation carry this marker: do not ask again.
  if (document.querySelector("[data-signup-confirmed]")) remember("subscribed");
  if (!dialog || !dialog.showModal || remembered()) return;

  var pageKind = document.body.dataset.pageKind;
  if (dialog.dataset.on === "articles" && pageKind !== "article") return;

  var delay = Number(dialog.dataset.delay || 0) * 1000;
  var readPercent = Number(dialog.dataset.read || 0);
  var reading = document.querySelector(".article .body") || document.querySelector("main");
  var opener = null;
  var timeUp = false;
  var readEnough = false;

  function hasReadEnough() {
    var box = reading.getBoundingClientRect();
    var seen = window.innerHeight - box.top;  // how much of the text has come into view
    return box.height <= 0 || seen / box.height * 100 >= readPercent;
  }

  function maybeShow() {
    if (!timeUp || !readEnough || dialog.open || remembered()) return;
    window.removeEventListener("scroll", onScroll);
    opener = document.activeElement;
    dialog.showModal();
    remember("shown");  // once per visitor, even if they leave without answering
  }

  function onScroll() {
    if (!readEnough && hasReadEnough()) { readEnough = true; maybeShow(); }
  }

  function close(reason) {
    if (!dialog.open) return;
    dialog.close();
    remember(reason);
    if (opener && opener.focus) opener.focus();
  }

  window.setTimeout(function () { timeUp = true; maybeShow(); }, delay);
  window.addEventListener("scroll", onScroll, { passive: true });
  onScroll();

  dialog.querySelector("[data-close]").addEventListener("click", function () { close("dismissed"); });
  dialog.addEventListener("cancel", function (event) {  // Escape
    event.preventDefault();
    close("dismissed");
  });
  dialog.addEventListener("click", function (event) {
    // A click on the dialog element itself, not its content, is a click on the backdrop.
    var box = dialog.getBoundingClientRect();
    var inside = event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (event.target === dialog && !inside) close("dismissed");
  });
  // Keep Tab and Shift+Tab inside the dialog, whatever the browser does at its edges.
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var focusable = Array.prototype.filter.call(
      dialog.querySelectorAll("button, input:not([type=hidden]):not([tabindex='-1']), a[href]"),
      function (el) { return !el.disabled && el.offsetParent !== null; }
    );
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });

  var form = dialog.querySelector("form");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = form.querySelector(".form-errors") || document.createElement("div");
    box.className = "form-errors";
    box.setAttribute("role", "alert");
    if (!box.parentNode) form.prepend(box);
    box.textContent = "";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        remember("subscribed");
        dialog.querySelector("[data-popup-form]").hidden = true;
        var done = dialog.querySelector("[data-popup-done]");
        done.hidden = false;
        done.tabIndex = -1;
        done.focus();
      } else {
        box.textContent = result.data.message || "Please check your address and try again.";
        var email = form.querySelector('[name="email"]');
        email.setAttribute("aria-invalid", "true");
        email.focus();
      }
    }).catch(function () {
      box.textContent = "Could not reach us: check your connection and try again.";
    });
  });
})();
