// Actions that cannot be undone (withdrawing an invoice, handing a task to someone else) ask
// first. A form marked data-confirm posts, without scripts, to a page that asks; with scripts a
// dialog asks here, and on "yes" the form goes straight to its data-confirm-action.
//   data-confirm          the question; "__choice__" stands for the option chosen in the
//                         <select> named by data-confirm-choice
//   data-confirm-yes/-no  the buttons' words
(function () {
  "use strict";

  function question(form) {
    var text = form.getAttribute("data-confirm") || "";
    var choice = form.getAttribute("data-confirm-choice");
    var select = choice ? form.elements.namedItem(choice) : null;
    if (select && select.options && select.selectedIndex >= 0) {
      text = text.split("__choice__").join(select.options[select.selectedIndex].text);
    }
    return text;
  }

  function button(label, style, test) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn " + style;
    element.textContent = label;
    element.setAttribute("data-test", test);
    element.style.marginRight = ".5em";
    return element;
  }

  function ask(form, proceed) {
    var dialog = document.createElement("dialog");
    dialog.setAttribute("data-test", "confirm-dialog");
    dialog.style.maxWidth = "32em";
    dialog.style.padding = "1.5em";
    dialog.style.border = "1px solid #ccc";
    dialog.style.borderRadius = "4px";
    var text = document.createElement("p");
    text.textContent = question(form);
    var yes = button(form.getAttribute("data-confirm-yes") || "OK", "btn-danger", "confirm");
    var no = button(form.getAttribute("data-confirm-no") || "Cancel", "btn-default", "cancel");
    no.addEventListener("click", function () { dialog.close(); });
    yes.addEventListener("click", function () {
      dialog.close();
      proceed();
    });
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.appendChild(text);
    dialog.appendChild(yes);
    dialog.appendChild(no);
    document.body.appendChild(dialog);
    dialog.showModal();
    no.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm][data-confirm-action]")) { return; }
    event.preventDefault();
    ask(form, function () {
      form.action = form.getAttribute("data-confirm-action");
      form.submit(); // no second submit event: the question was answered
    });
  });
})();
