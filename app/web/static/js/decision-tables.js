// The draft's decision tables (DMN) beside the process editor: one dmn-js decision-table
// editor per file, a tab each. The process editor sends the tables with every save: the draft
// stores them with the diagram, the app's check reads them, and publishing publishes what was
// saved, so the diagram and its tables become one version. New decision table and Remove table
// change which tables the draft holds; like any edit, that is kept when the draft is saved.
(function () {
  "use strict";
  var panel = document.getElementById("decision-tables");
  if (!panel) { return; }
  var tabs = document.getElementById("decision-table-tabs");
  var holder = document.getElementById("decision-table-editors");
  var tables = JSON.parse(panel.dataset.tables || "{}");
  var MESSAGES = JSON.parse(panel.dataset.messages || "{}"); // dmn-js's texts, in the reader's language
  function translate(template, replacements) {
    var text = MESSAGES[template] || template;
    return text.replace(/{([^}]+)}/g, function (all, key) {
      return replacements && key in replacements ? replacements[key] : all;
    });
  }
  var TEXT = JSON.parse(panel.dataset.text || "{}");
  var NEW_TABLE = JSON.parse(panel.dataset.newTable || '""'); // with new_table_id, new table name
  var ID_PATTERN = new RegExp(panel.dataset.idPattern || "^[A-Za-z][A-Za-z0-9_-]*$");
  var editors = {}, shown = null, changes = 0, savedChanges = 0;

  function show(name) {
    shown = name;
    Object.keys(editors).forEach(function (other) {
      editors[other].box.hidden = other !== name;
      editors[other].tab.classList.toggle("active", other === name);
    });
    var none = !Object.keys(editors).length;
    document.getElementById("no-decision-tables").hidden = !none;
    document.getElementById("decision-tables-hint").hidden = none;
    document.getElementById("remove-decision-table").hidden = none;
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

  function xmlText(value) {
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
  }

  function takenIds() {
    return Object.keys(editors).map(function (name) {
      var views = editors[name].modeler.getViews();
      return views.map(function (view) { return view.element.id; });
    }).reduce(function (all, ids) { return all.concat(ids); }, []);
  }

  // New decision table: the analyst names it; it starts as a minimal table the check accepts.
  var newDialog = document.getElementById("new-table-dialog");
  var newForm = document.getElementById("new-table-form");
  var problem = document.getElementById("new-table-problem");
  document.getElementById("new-decision-table").addEventListener("click", function () {
    newForm.reset();
    problem.textContent = "";
    newDialog.showModal();
  });
  document.getElementById("new-table-cancel").addEventListener("click", function () { newDialog.close(); });
  newForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var id = newForm.elements.id.value.trim(), name = newForm.elements.name.value.trim();
    var refusal = !ID_PATTERN.test(id) ? TEXT.id_wrong
      : (editors[id + ".dmn"] || takenIds().indexOf(id) >= 0) ? TEXT.id_taken
      : !name ? TEXT.name_missing : "";
    if (refusal) { problem.textContent = refusal; return; }
    var xml = NEW_TABLE.split("new_table_id").join(id).split("new table name").join(xmlText(name));
    newDialog.close();
    openTable(id + ".dmn", xml).then(function () {
      changes += 1;
      show(id + ".dmn");
    });
  });

  // Remove table: the shown one, once confirmed; the check then names a task that still calls it.
  var removeDialog = document.getElementById("remove-table-dialog");
  var removeText = document.getElementById("remove-table-text");
  document.getElementById("remove-decision-table").addEventListener("click", function () {
    if (!shown) { return; }
    removeText.textContent = removeText.dataset.template.replace("{table}", shown);
    removeDialog.showModal();
  });
  document.getElementById("remove-table-cancel").addEventListener("click", function () { removeDialog.close(); });
  document.getElementById("remove-table-confirm").addEventListener("click", function () {
    removeDialog.close();
    var removed = editors[shown];
    removed.modeler.destroy();
    removed.box.remove();
    removed.tab.remove();
    delete editors[shown];
    changes += 1;
    show(Object.keys(editors).sort()[0] || null);
  });

  window.InvoiceFlowDecisionTables = {
    // Resolves to the tables; `sent` marks them as what the server has saved.
    collect: function () {
      var upTo = changes;
      return current().then(function (found) {
        return { tables: found, sent: function () { savedChanges = upTo; } };
      });
    },
    isDirty: function () { return changes !== savedChanges; }
  };

  var names = Object.keys(tables).sort();
  Promise.all(names.map(function (name) { return openTable(name, tables[name]); })).then(function () {
    show(names.length ? names[0] : null);
    panel.dataset.rendered = "true";
  });
})();
