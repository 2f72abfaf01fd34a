// The invoice's own process version, with the path taken and the current task highlighted,
// stage and task names in the reader's language (diagram-names.js).
(function () {
  "use strict";
  function show(container) {
    fetch(container.dataset.source, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var names = window.InvoiceFlowDiagramNames;
        var viewer = new BpmnJS({ container: container, moddleExtensions: { spiffworkflow: names.moddle } });
        return viewer.importXML(data.xml).then(function () {
          names.showInLanguage(viewer, names.languageOf(container));
          var canvas = viewer.get("canvas");
          var overlays = viewer.get("overlays");
          var registry = viewer.get("elementRegistry");
          data.done.forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, "if-done"); }
          });
          data.waiting.forEach(function (id) {
            if (!registry.get(id)) { return; }
            canvas.addMarker(id, "if-waiting");
            var holder = data.holders[id];
            if (holder) {
              var note = document.createElement("div");
              note.className = "if-holder";
              note.textContent = holder;
              overlays.add(id, { position: { top: -20, left: 0 }, html: note });
            }
          });
          canvas.zoom("fit-viewport", "auto");
          container.dataset.rendered = "true";
        });
      })
      .catch(function (error) {
        container.textContent = container.dataset.failed || "The diagram could not be shown.";
        container.dataset.rendered = "failed";
        if (window.console) { console.error(error); }
      });
  }
  document.querySelectorAll("[data-invoice-diagram]").forEach(show);
})();
