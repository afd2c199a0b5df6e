// Comments on a cached article page: post, reply, edit and delete in place.
// The page itself is the same for every reader; what belongs to this visitor (their
// pending comments, the edit buttons) comes from /comments/mine/, read with their cookie.
(function () {
  "use strict";
  var section = document.querySelector("[data-comments]");
  if (!section || !window.fetch) return;
  var form = section.querySelector("[data-comment-form]");
  var statusBox = section.querySelector(".comment-status");
  var list = section.querySelector(".comment-list");
  var home = form ? form.parentNode : null;
  var homeNext = form ? form.nextSibling : null;

  function say(message) {
    statusBox.textContent = "";
    // A fresh text node is announced by screen readers even if the words repeat.
    window.setTimeout(function () { statusBox.textContent = message; }, 50);
  }

  // The one place where HTML from the server becomes DOM: a comment as the server rendered
  // it (its text sanitised by nh3), from this site's own answer, parsed in an inert document.
  // Were anything to slip through, the page's Content-Security-Policy runs no inline script
  // or handler. Everything else here is built with DOM calls and textContent.
  function fromHTML(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    return document.adoptNode(parsed.body.firstElementChild);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function linkButton(label, marker) {
    var attributes = { type: "button", "class": "link-button" };
    attributes[marker] = "";
    return element("button", attributes, label);
  }

  function request(url, body) {
    return fetch(url, {
      method: body ? "POST" : "GET",
      body: body || undefined,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        data.httpStatus = response.status;
        data.retryAfter = response.headers.get("Retry-After");
        return data;
      });
    });
  }

  function repliesOf(parentId) {
    if (!parentId) return list;
    var item = document.getElementById("comment-" + parentId);
    return item ? item.querySelector(":scope > .comment-replies") : null;
  }

  function place(comment) {
    var existing = document.getElementById("comment-" + comment.id);
    var node = fromHTML(comment.html);
    if (existing) {
      var replies = existing.querySelector(":scope > .comment-replies");
      var card = existing.querySelector(":scope > .comment-card");
      var newCard = node.querySelector(":scope > .comment-card");
      if (card && newCard) card.replaceWith(newCard);
      else if (replies) existing.insertBefore(newCard, replies);
      existing.classList.toggle("comment-is-pending", comment.status !== "approved");
      return existing;
    }
    var container = repliesOf(comment.parent) || list;
    container.appendChild(node);
    var empty = section.querySelector(".comments-empty");
    if (empty) empty.hidden = true;
    return node;
  }

  // --- errors in the form, the reader's text untouched -------------------------------
  function clearErrors(target) {
    target.querySelectorAll(".field-error.js").forEach(function (el) { el.remove(); });
    target.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      if (el.dataset.describedby !== undefined) {
        if (el.dataset.describedby) el.setAttribute("aria-describedby", el.dataset.describedby);
        else el.removeAttribute("aria-describedby");
      }
    });
    var box = target.querySelector(".form-errors");
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  function showErrors(target, data) {
    var errors = data.errors || {};
    var general = [];
    Object.keys(errors).forEach(function (name) {
      var input = target.querySelector('[name="' + name + '"]');
      if (!input || input.type === "hidden") { general = general.concat(errors[name]); return; }
      var note = document.createElement("p");
      note.className = "field-error js";
      note.id = input.id + "-error";
      note.textContent = errors[name][0];
      input.setAttribute("aria-invalid", "true");
      // Keep the field's help text described too; clearErrors puts the original back.
      var described = input.getAttribute("aria-describedby") || "";
      input.dataset.describedby = described;
      input.setAttribute("aria-describedby", (described + " " + note.id).trim());
      input.parentNode.appendChild(note);
    });
    if (!Object.keys(errors).length) general.push(data.message || "Something went wrong; please try again.");
    var box = target.querySelector(".form-errors");
    if (box && general.length) {
      box.hidden = false;
      box.textContent = general.join(" ");
    }
    var focusTarget = target.querySelector('[aria-invalid="true"]') || box;
    if (focusTarget) {
      if (focusTarget === box) box.tabIndex = -1;
      focusTarget.focus();
    }
    say(data.message || general.join(" "));
  }

  // --- posting and replying ----------------------------------------------------------
  function newPostKey() {
    var key = form.querySelector('[name="post_key"]');
    if (key) key.value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function refreshStamp() {
    // The stamp in a cached page may be old; one issued now lets the server time the typing.
    request(section.dataset.stampUrl).then(function (data) {
      if (data.issued) form.querySelector('[name="issued"]').value = data.issued;
    }).catch(function () {});
  }

  function moveForm(parentId, parentName) {
    var parentField = form.querySelector('[name="parent"]');
    var note = form.querySelector("[data-replying-to]");
    var cancel = form.querySelector("[data-cancel-reply]");
    parentField.value = parentId || "";
    if (parentId) {
      var item = document.getElementById("comment-" + parentId);
      item.querySelector(":scope > .comment-replies").before(form);
      note.hidden = false;
      note.firstChild.textContent = "Replying to " + parentName + " ";
      cancel.hidden = false;
      form.querySelector("textarea").focus();
    } else {
      home.insertBefore(form, homeNext);
      note.hidden = true;
      cancel.hidden = true;
    }
  }

  if (form) {
    newPostKey();
    form.addEventListener("focusin", function once() {
      form.removeEventListener("focusin", once);
      refreshStamp();
    });
    form.querySelector("[data-cancel-reply]").addEventListener("click", function () {
      var parentId = form.querySelector('[name="parent"]').value;
      moveForm(null);
      var link = parentId && document.querySelector('#comment-' + parentId + ' .reply-link');
      if (link) link.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      clearErrors(form);
      button.disabled = true;
      request(form.action, new FormData(form)).then(function (data) {
        button.disabled = false;
        if (data.httpStatus === 200 || data.httpStatus === 201) {
          var node = place(data.comment);
          // A retried post (200) finds its comment but gets no new edit token.
          if (data.httpStatus === 201) markOwn(node, { id: data.comment.id, editable: true });
          form.querySelector("textarea").value = "";
          newPostKey();
          moveForm(null);
          say(data.message);
          focusOn(node);
        } else {
          showErrors(form, data);
        }
      }).catch(function () {
        button.disabled = false;
        showErrors(form, { message: "The comment could not be sent: check your connection and try again. Your text is still here." });
      });
    });
  }

  section.addEventListener("click", function (event) {
    var link = event.target.closest(".reply-link");
    if (link && form) {
      event.preventDefault();
      moveForm(link.dataset.replyTo, link.dataset.replyName);
    }
  });

  function focusOn(node) {
    if (!node) return;
    node.tabIndex = -1;
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "nearest" });
  }

  // --- the visitor's own comments ------------------------------------------------------
  function markOwn(node, mine) {
    if (!mine.editable || node.querySelector(":scope > .comment-card .own-actions")) return;
    var actions = node.querySelector(":scope > .comment-card .comment-actions");
    var bar = element("span", { "class": "own-actions" });
    var edit = linkButton("Edit", "data-edit");
    var del = linkButton("Delete", "data-delete");
    bar.append(edit, " ", del);
    actions.appendChild(bar);
    edit.addEventListener("click", function () { startEdit(node, mine.id); });
    del.addEventListener("click", function () { remove(node, mine.id); });
  }

  function startEdit(node, id) {
    var card = node.querySelector(":scope > .comment-card");
    var body = card.querySelector(".comment-body");
    if (card.querySelector(".edit-form")) return;
    var editor = element("form", { "class": "edit-form" });
    var errors = element("div", { "class": "form-errors", role: "alert" });
    errors.hidden = true;
    var field = element("div", { "class": "field" });
    var textarea = element("textarea", { name: "body", id: "edit-" + id, rows: "5" });
    field.append(element("label", { "for": textarea.id }, "Edit your comment"), textarea);
    var buttons = element("p");
    buttons.append(element("button", { type: "submit" }, "Save"), " ", linkButton("Cancel", "data-cancel"));
    editor.append(errors, field, buttons);
    body.hidden = true;
    body.after(editor);
    function close() {
      editor.remove();
      body.hidden = false;
      var button = node.querySelector(":scope > .comment-card [data-edit]");
      if (button) button.focus();
    }
    // The text as written (Markdown) comes from the edit page, never from the rendered HTML.
    fetch("/comments/" + id + "/edit/", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("not editable");
      return r.text();
    }).then(function (html) {
      var source = new DOMParser().parseFromString(html, "text/html").querySelector("#edit-body");
      if (!source) throw new Error("no source");
      textarea.value = source.value;
      textarea.focus();
    }).catch(function () {
      close();
      say("This comment can no longer be edited from this browser.");
    });
    editor.querySelector("[data-cancel]").addEventListener("click", close);
    editor.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(editor);
      request("/comments/" + id + "/edit/", new FormData(editor)).then(function (data) {
        if (data.httpStatus === 200) {
          place({ id: id, html: data.comment.html, status: data.status });
          var refreshed = document.getElementById("comment-" + id);
          markOwn(refreshed, { id: id, editable: true });
          say(data.message);
          focusOn(refreshed);
        } else {
          showErrors(editor, data);
        }
      }).catch(function () {
        showErrors(editor, { message: "Not saved: check your connection and try again. Your text is still here." });
      });
    });
  }

  function remove(node, id) {
    if (!window.confirm("Delete your comment?")) return;
    request("/comments/" + id + "/delete/", new FormData()).then(function (data) {
      if (data.httpStatus === 200) {
        var replies = node.querySelector(":scope > .comment-replies");
        if (replies && replies.children.length) {
          node.querySelector(":scope > .comment-card").replaceWith(
            element("p", { "class": "comment-placeholder" }, "This comment was deleted by its author.")
          );
          focusOn(node);
        } else {
          node.remove();
          focusOn(section);
        }
      }
      say(data.message || "Could not delete the comment.");
    }).catch(function () {
      say("Not deleted: check your connection and try again.");
    });
  }

  request(section.dataset.mineUrl).then(function (data) {
    (data.comments || []).forEach(function (mine) {
      var node = document.getElementById("comment-" + mine.id);
      if (!node && mine.status !== "approved") node = place(mine);
      if (node) markOwn(node, mine);
    });
  }).catch(function () {});
})();
