// An issue's page in the admin: while it is sending, its progress refreshes every two seconds,
// and the page reloads once the send has stopped (finished, paused or cancelled).
(() => {
  "use strict";
  const box = document.querySelector("#send-progress[data-live]");
  if (!box) return;
  const tick = async () => {
    const response = await fetch(box.dataset.progressUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    box.querySelector("progress").value = data.percent;
    document.querySelectorAll("[data-field]").forEach((cell) => {
      const value = data[cell.dataset.field];
      cell.textContent = value === null ? "—" : (typeof value === "number" && !Number.isInteger(value) ? value.toFixed(1) : value);
    });
    if (data.status === "sending") setTimeout(tick, 2000); else location.reload();
  };
  setTimeout(tick, 2000);
})();
