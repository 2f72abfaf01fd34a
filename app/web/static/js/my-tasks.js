// My tasks: a box that selects every approval task of the page at once, and the number chosen
// on the approve button. Without scripts the boxes are ticked one by one; the form works alike.
(function () {
  "use strict";

  function boxes(form, name) {
    return Array.prototype.slice.call(form.querySelectorAll('input[type=checkbox][name="' + name + '"]'));
  }

  function refresh(form, name, all) {
    var ticked = boxes(form, name).filter(function (box) { return box.checked; }).length;
    all.checked = ticked > 0 && ticked === boxes(form, name).length;
    all.indeterminate = ticked > 0 && !all.checked;
    form.querySelectorAll('[data-selected-count="' + name + '"]').forEach(function (counter) {
      counter.textContent = ticked ? "(" + ticked + ")" : "";
    });
  }

  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form;
    var name = all.getAttribute("data-select-all");
    if (!form) { return; }
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes(form, name).forEach(function (box) { box.checked = all.checked; });
      refresh(form, name, all);
    });
    form.addEventListener("change", function (event) {
      if (event.target !== all) { refresh(form, name, all); }
    });
    refresh(form, name, all);
  });
})();
