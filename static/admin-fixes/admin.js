// Corrections to widgets Django's admin builds in the browser, so its pages meet WCAG 2.2 AA.
// They run after the admin's own start-up (select2 and the two-box selector start on load).
"use strict";

function nameTheAutocompletes() {
  // select2's combobox, and the read-only text inside it that shows the choice, have no
  // accessible name of their own: give both their field's label.
  document.querySelectorAll(".select2-selection[role='combobox']").forEach((box) => {
    const select = box.closest(".select2-container")?.previousElementSibling;
    const label = select && select.id ? document.querySelector(`label[for='${select.id}']`) : null;
    if (!label) return;
    const name = label.textContent.replace(/:\s*$/, "").trim();
    [box, ...box.querySelectorAll("[role='textbox']")].forEach((part) => {
      if (!part.hasAttribute("aria-label")) part.setAttribute("aria-label", name);
    });
  });
}

function giveTooltipIconsARole() {
  // The two-box selector's search icon carries an aria-label on a plain span; as an image it may.
  document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach((icon) => {
    icon.setAttribute("role", "img");
  });
}

window.addEventListener("load", () => {
  window.setTimeout(() => {
    nameTheAutocompletes();
    giveTooltipIconsARole();
  }, 0);
});
