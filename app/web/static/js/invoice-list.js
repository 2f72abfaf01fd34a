// The invoice list's filter bar: only the filters that are set go into the URL (a readable link
// to bookmark or share), and FAB's column search keeps the bar's filters when it is submitted.
(function () {
  "use strict";

  function ready() {
    var bar = document.querySelector("form[data-filter-bar]");
    if (!bar) {
      return;
    }
    var names = JSON.parse(bar.getAttribute("data-filter-names"));
    bar.addEventListener("submit", function () {
      Array.prototype.forEach.call(bar.elements, function (field) {
        if (field.name && !field.value) {
          field.disabled = true;
        }
      });
    });
    // Back in the browser's history, the fields must be usable again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(bar.elements, function (field) {
        field.disabled = false;
      });
    });
    var search = document.getElementById("filter_form");
    if (search) {
      search.addEventListener("submit", function () {
        var current = new URLSearchParams(window.location.search);
        names.forEach(function (name) {
          var value = current.get(name);
          if (value) {
            var kept = document.createElement("input");
            kept.type = "hidden";
            kept.name = name;
            kept.value = value;
            search.appendChild(kept);
          }
        });
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
