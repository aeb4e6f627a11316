// Narrows a long list of GOV.UK checkboxes to those whose label holds the words typed in
// its filter box. Without JavaScript the box stays hidden and every checkbox is shown;
// ticked boxes are never hidden, so a choice already made stays in view.
(function () {
  "use strict";
  var groups = document.querySelectorAll("[data-checkbox-filter]");
  for (var g = 0; g < groups.length; g++) {
    (function (group) {
      var list = document.getElementById(group.getAttribute("data-checkbox-filter"));
      var input = group.querySelector("input");
      var count = group.querySelector("[data-checkbox-filter-count]");
      if (!list || !input) {
        return;
      }
      var items = list.querySelectorAll(".govuk-checkboxes__item");
      group.hidden = false;
      function apply() {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        for (var i = 0; i < items.length; i++) {
          var text = items[i].textContent.toLowerCase();
          var box = items[i].querySelector("input");
          var match = words.every(function (word) { return text.indexOf(word) !== -1; });
          var visible = match || (box && box.checked);
          items[i].hidden = !visible;
          if (visible) {
            shown += 1;
          }
        }
        if (count) {
          count.textContent = words.length ? shown + " of " + items.length + " assets shown" : "";
        }
      }
      input.addEventListener("input", apply);
    })(groups[g]);
  }
})();
