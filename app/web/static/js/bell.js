// The bell's dropdown (templates/appbuilder/navbar_right.html): Bootstrap opens it on click and
// Enter; here the arrow keys move through its items (Bootstrap's own reach links only), Escape
// closes it and gives the focus back to the bell, leaving it with Tab closes it, and an item
// opened (in a new tab, which marks it read) leaves the list and the count at once.
(function () {
  "use strict";
  var bell = document.querySelector("[data-bell]");
  if (!bell || !window.jQuery) { return; }
  var toggle = bell.querySelector(".dropdown-toggle");
  var menu = bell.querySelector(".dropdown-menu");

  function items() {
    return Array.prototype.slice.call(menu.querySelectorAll("button, a"));
  }
  function isOpen() { return bell.classList.contains("open"); }
  function setOpen(wanted) {
    if (isOpen() !== wanted) { window.jQuery(toggle).dropdown("toggle"); }
  }

  window.jQuery(bell).on("shown.bs.dropdown hidden.bs.dropdown", function () {
    toggle.setAttribute("aria-expanded", String(isOpen()));
  });

  bell.addEventListener("keydown", function (event) {
    var key = event.key;
    if (key !== "ArrowDown" && key !== "ArrowUp" && key !== "Escape") { return; }
    event.preventDefault();
    event.stopPropagation(); // Bootstrap's handler would move to the first link only
    if (key === "Escape") {
      setOpen(false);
      toggle.focus();
      return;
    }
    setOpen(true);
    var list = items();
    var at = list.indexOf(document.activeElement);
    var next = key === "ArrowDown" ? Math.min(at + 1, list.length - 1) : Math.max(at - 1, 0);
    list[next].focus();
  });

  bell.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !bell.contains(event.relatedTarget)) { setOpen(false); }
  });

  menu.addEventListener("submit", function (event) {
    var item = event.target.closest("li");
    // After the submit has left for the new tab: removing the form now would cancel it.
    window.setTimeout(function () {
      setOpen(false); // an item chosen closes the menu, as any menu does
      item.remove();
      var badge = toggle.querySelector(".badge");
      var count = badge ? parseInt(badge.textContent, 10) - 1 : 0;
      if (badge && count > 0) { badge.textContent = String(count); } else if (badge) { badge.remove(); }
      if (!menu.querySelector("form")) { menu.querySelector("[data-test=bell-empty]").hidden = false; }
    }, 0);
  });
})();
