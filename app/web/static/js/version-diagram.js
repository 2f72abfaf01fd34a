// Shows one process version's diagram, read from its .bpmn download, with stage and task names
// in the reader's language (diagram-names.js).
(function () {
  "use strict";
  var container = document.getElementById("version-diagram");
  var names = window.InvoiceFlowDiagramNames;
  fetch(container.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) {
      var viewer = new BpmnJS({ container: container, moddleExtensions: { spiffworkflow: names.moddle } });
      return viewer.importXML(xml).then(function () {
        names.showInLanguage(viewer, names.languageOf(container));
        viewer.get("canvas").zoom("fit-viewport");
        container.dataset.rendered = "true";
      });
    });
})();
