// The wait heatmap on a process version's diagram: each user task coloured by its median
// waiting time (marker classes if-heat-1..5), with its median, p90 and invoice count beside it;
// each sequence flow as thick as the number of invoices that took it (if-flow-1..5, a count
// badge). Figures come from the page's JSON endpoint (app/web/views/wait_report.py); names are
// shown in the reader's language (diagram-names.js).
(function () {
  "use strict";
  var container = document.getElementById("heatmap-diagram");
  if (!container) { return; }
  var names = window.InvoiceFlowDiagramNames;

  function get(url, as) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return as === "json" ? response.json() : response.text();
    });
  }

  function note(className, lines) {
    var element = document.createElement("div");
    element.className = className;
    lines.forEach(function (line, n) {
      if (n) { element.appendChild(document.createElement("br")); }
      element.appendChild(document.createTextNode(line));
    });
    return element;
  }

  function showLegend(legend) {
    legend.forEach(function (band) {
      var place = document.querySelector("[data-test=legend-band][data-band='" + band.band + "'] .if-band-range");
      if (place) { place.textContent = band.from + " – " + band.to; }
    });
  }

  function paint(viewer, figures) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    figures.tasks.forEach(function (task) {
      var element = registry.get(task.id);
      if (!element) { return; }
      canvas.addMarker(task.id, "if-heat-" + task.band);
      overlays.add(task.id, "if-heat", {
        // below the task and its boundary events
        position: { top: element.height + 20, left: -10 },
        html: note("if-heat-note", [task.text, task.count_text])
      });
    });
    Object.keys(figures.flows).forEach(function (id) {
      var element = registry.get(id);
      if (!element) { return; }
      var flow = figures.flows[id];
      canvas.addMarker(id, "if-flow-" + flow.band);
      // A connection's overlay is placed from the top left of its waypoints' box.
      var points = element.waypoints;
      var left = Math.min.apply(null, points.map(function (p) { return p.x; }));
      var top = Math.min.apply(null, points.map(function (p) { return p.y; }));
      var middle = points[Math.floor((points.length - 1) / 2)];
      overlays.add(id, "if-flow", {
        position: { top: middle.y - top - 8, left: middle.x - left + 4 },
        html: note("if-flow-note", [String(flow.count)])
      });
    });
  }

  Promise.all([get(container.dataset.source, "text"), get(container.dataset.figures, "json")])
    .then(function (answers) {
      var viewer = new BpmnJS({ container: container, moddleExtensions: { spiffworkflow: names.moddle } });
      return viewer.importXML(answers[0]).then(function () {
        names.showInLanguage(viewer, names.languageOf(container));
        paint(viewer, answers[1]);
        showLegend(answers[1].legend);
        viewer.get("canvas").zoom("fit-viewport", "auto");
        container.dataset.rendered = "true";
      });
    })
    .catch(function (error) {
      container.textContent = container.dataset.failed;
      container.dataset.rendered = "failed";
      if (window.console) { console.error(error); }
    });
})();
