// The moderation queue: the "Select all" box ticks or clears every comment of the page.
(() => {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach((all) => {
    all.addEventListener("change", () => {
      all.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach((box) => {
        box.checked = all.checked;
      });
    });
  });
})();
