// Shows one process version's diagram, read from its .bpmn download.
(function () {
  "use strict";
  var container = document.getElementById("version-diagram");
  fetch(container.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) {
      var viewer = new BpmnJS({ container: container });
      return viewer.importXML(xml).then(function () {
        viewer.get("canvas").zoom("fit-viewport");
        container.dataset.rendered = "true";
      });
    });
})();
