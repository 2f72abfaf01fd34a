// Stage and task names in the reader's language on a diagram. The diagram stores each element's
// `name` in English and, as the analyst sets them, translations as SpiffWorkflow properties
// (`name_ru`), the way app/services/stage_names.py reads them. Read-only diagrams (the version
// page, the invoice card) show the reader's name in place of the stored one; the stored XML is
// never changed (a viewer never saves). The editor shows them beside the elements instead.
window.InvoiceFlowDiagramNames = (function () {
  "use strict";
  // SpiffWorkflow's extension elements, so bpmn-js reads (and the editor writes) them.
  var MODDLE = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    prefix: "spiffworkflow", xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", isAttr: true, type: "String" },
                     { name: "value", isAttr: true, type: "String" }] },
      { name: "PreScript", superClass: ["Element"],
        properties: [{ name: "value", isBody: true, type: "String" }] },
      { name: "PostScript", superClass: ["Element"],
        properties: [{ name: "value", isBody: true, type: "String" }] },
      // A business rule task's decision table (DMN), kept when the editor writes the diagram.
      { name: "CalledDecisionId", superClass: ["Element"],
        properties: [{ name: "value", isBody: true, type: "String" }] }
    ]
  };
  var STORED_LANGUAGE = "en"; // `name` itself

  // The reader's language, as the page's container says it (data-language).
  function languageOf(container) {
    return (container && container.dataset.language) || STORED_LANGUAGE;
  }

  // The element's name in `language`, or "" when the analyst gave none.
  function nameIn(businessObject, language) {
    if (!businessObject || !language || language === STORED_LANGUAGE) { return ""; }
    var wanted = "name_" + language;
    var values = (businessObject.extensionElements && businessObject.extensionElements.values) || [];
    for (var i = 0; i < values.length; i += 1) {
      if (values[i].$type !== "spiffworkflow:Properties") { continue; }
      var found = (values[i].properties || []).find(function (p) { return p.name === wanted; });
      if (found && found.value && found.value.trim()) { return found.value.trim(); }
    }
    return "";
  }

  // A read-only viewer: every element (and its external label) drawn with the reader's name.
  function showInLanguage(viewer, language) {
    var registry = viewer.get("elementRegistry");
    var graphics = viewer.get("graphicsFactory");
    var text = viewer.get("textRenderer");
    var renamed = 0;
    registry.getAll().forEach(function (element) {
      if (element.type === "label") { return; }
      var name = nameIn(element.businessObject, language);
      if (!name) { return; }
      element.businessObject.name = name;
      if (element.label) {
        // An external label (events, gateways, flows) is laid out in its stored box: fit the
        // box to the new text, around the same centre.
        var box = text.getExternalLabelBounds(element.label, name);
        element.label.x = box.x; element.label.y = box.y;
        element.label.width = box.width; element.label.height = box.height;
      }
      [element, element.label].forEach(function (shape) {
        var gfx = shape && registry.getGraphics(shape);
        if (gfx) { graphics.update(shape.waypoints ? "connection" : "shape", shape, gfx); }
      });
      renamed += 1;
    });
    return renamed;
  }

  return { moddle: MODDLE, languageOf: languageOf, nameIn: nameIn, showInLanguage: showInLanguage };
})();
