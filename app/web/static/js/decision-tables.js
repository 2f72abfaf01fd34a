// The version's decision tables (DMN) beside the process editor: one dmn-js decision-table
// editor per file, a tab each. The process editor sends the tables with every save (the app's
// check reads them with the diagram) and the publish form carries them, so the diagram and its
// tables become one version.
(function () {
  "use strict";
  var panel = document.getElementById("decision-tables");
  if (!panel) { return; }
  var tabs = document.getElementById("decision-table-tabs");
  var holder = document.getElementById("decision-table-editors");
  var field = document.getElementById("publish-decision-tables");
  var tables = JSON.parse(panel.dataset.tables || "{}");
  var MESSAGES = JSON.parse(panel.dataset.messages || "{}"); // dmn-js's texts, in the reader's language
  function translate(template, replacements) {
    var text = MESSAGES[template] || template;
    return text.replace(/{([^}]+)}/g, function (all, key) {
      return replacements && key in replacements ? replacements[key] : all;
    });
  }
  var editors = {}, changes = 0, savedChanges = 0;

  function show(name) {
    Object.keys(editors).forEach(function (other) {
      editors[other].box.hidden = other !== name;
      editors[other].tab.classList.toggle("active", other === name);
    });
  }

  function openTable(name, xml) {
    var tab = document.createElement("li");
    var link = document.createElement("a");
    link.href = "#";
    link.textContent = name;
    link.dataset.table = name;
    link.addEventListener("click", function (event) { event.preventDefault(); show(name); });
    tab.appendChild(link);
    tabs.appendChild(tab);
    var box = document.createElement("div");
    box.className = "if-dmn-editor";
    box.dataset.test = "dmn-editor";
    holder.appendChild(box);
    var inLanguage = { additionalModules: [{ translate: ["value", translate] }] }; // per view
    var modeler = new DmnJS({
      container: box, drd: inLanguage, decisionTable: inLanguage, literalExpression: inLanguage
    });
    editors[name] = { modeler: modeler, box: box, tab: tab };
    return modeler.importXML(xml).then(function () {
      var table = modeler.getViews().find(function (view) { return view.type === "decisionTable"; });
      if (table) { modeler.open(table); }
      modeler.on("views.changed", listen);
      listen();
      function listen() {
        var viewer = modeler.getActiveViewer();
        if (viewer && !viewer.__invoiceflowListening) {
          viewer.__invoiceflowListening = true;
          viewer.on("elements.changed", function () { changes += 1; });
        }
      }
    });
  }

  // {file name: DMN XML} as the editors hold them now.
  function current() {
    var names = Object.keys(editors);
    return Promise.all(names.map(function (name) {
      return editors[name].modeler.saveXML({ format: true });
    })).then(function (results) {
      var found = {};
      names.forEach(function (name, i) { found[name] = results[i].xml; });
      return found;
    });
  }

  window.InvoiceFlowDecisionTables = {
    // Resolves to the tables; `sent` marks them as what the server has (the publish form's).
    collect: function () {
      var upTo = changes;
      return current().then(function (found) {
        return { tables: found, sent: function () { savedChanges = upTo; field.value = JSON.stringify(found); } };
      });
    },
    isDirty: function () { return changes !== savedChanges; }
  };

  var names = Object.keys(tables).sort();
  field.value = names.length ? JSON.stringify(tables) : "";
  Promise.all(names.map(function (name) { return openTable(name, tables[name]); })).then(function () {
    if (names.length) { show(names[0]); }
    panel.dataset.rendered = "true";
  });
})();
