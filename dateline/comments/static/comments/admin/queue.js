// The moderation queue. "Select all" ticks or clears every comment of the page. A row's
// Approve, Reject and Spam buttons post to that comment's own address (their formaction):
// without this script the page reloads with a message; with it the decision is sent in
// the background and the row, the queue's count and the sidebar's badge change in place.
// Should the background request fail, the form is sent the ordinary way.
(() => {
  "use strict";

  document.querySelectorAll("[data-select-all]").forEach((all) => {
    all.addEventListener("change", () => {
      all.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach((box) => {
        box.checked = all.checked;
      });
    });
  });

  const say = (text, type) => {
    document.dispatchEvent(
      new CustomEvent("w-messages:add", { detail: { clear: true, text, type } }),
    );
  };

  const showPending = (count) => {
    document.querySelectorAll("[data-queue-count=pending]").forEach((element) => {
      element.textContent = String(count);
    });
    document.querySelectorAll("a[data-comments-pending]").forEach((link) => {
      link.dataset.commentsPending = String(count);
      const label = link.querySelector(".menuitem-label");
      const name = label ? label.textContent : "Comments";
      const waiting = `${count} comment${count === 1 ? "" : "s"} waiting`;
      link.setAttribute("aria-label", count ? `${name} (${waiting})` : name);
    });
  };

  const decide = async (form, button) => {
    const row = button.closest("tr");
    const data = new FormData(form, button);
    data.delete("comment"); // the ticked boxes are for the bulk buttons
    row.setAttribute("aria-busy", "true");
    const response = await fetch(button.formAction, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    row.removeAttribute("aria-busy");
    const answer = await response.json();
    if (!response.ok) {
      say(answer.message, "error");
      return;
    }
    row.classList.add("comment-row--done");
    row.querySelector("[data-row-actions]").remove();
    row.querySelector("[data-row-outcome]").textContent = answer.status;
    const box = row.querySelector("input[name=comment]");
    if (box) {
      box.checked = false;
      box.disabled = true;
    }
    showPending(answer.pending);
    say(answer.message, "success");
  };

  document.querySelectorAll("form[data-moderation-queue]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (!button || !button.hasAttribute("data-row-decision") || form.dataset.plain) {
        return;
      }
      event.preventDefault();
      decide(form, button).catch(() => {
        form.dataset.plain = "true";
        form.requestSubmit(button);
      });
    });
  });
})();
