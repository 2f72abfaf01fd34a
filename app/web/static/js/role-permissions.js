// The Roles screen: "all" / "none" tick or clear every permission of one area.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-check-group]");
    if (!button) {
      return;
    }
    var group = button.closest("[data-test=permission-group]");
    var checked = button.getAttribute("data-check-group") === "all";
    group.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = checked;
    });
  });
})();
