// The scheduling dialog puts its dates back to their "default" when it closes (Wagtail's
// w-dialog:hidden->w-action#reset), to drop changes never saved. The editor saves in place
// (autosave, "Save schedule"), so the page is not reloaded and the default stays the value
// the page was loaded with: closing the dialog would then clear a saved schedule from the
// form, and "Publish" would publish at once. Once a save succeeds, what it saved is the
// default.
document.addEventListener("w-autosave:success", () => {
  const dates = document.querySelectorAll(
    "#schedule-publishing-dialog input[name='go_live_at'], #schedule-publishing-dialog input[name='expire_at']",
  );
  for (const input of dates) {
    input.defaultValue = input.value;
  }
});
