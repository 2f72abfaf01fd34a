// The process editor: bpmn-js with a small side panel for InvoiceFlow's diagram contract
// (lanes, task properties, end-event status, gateway conditions, timer delays); bpmnlint's
// generic BPMN rules live while drawing, the app's check on save; unsaved edits are never lost
// silently (publishing asks first, leaving the page asks the browser to confirm). The canvas
// keeps the stored (English) `name` editable; a reader of another language sees each element's
// name in their language (`name_ru`) as a note beside it, kept up to date while they edit.
(function () {
  "use strict";
  var NAMES = window.InvoiceFlowDiagramNames;
  var SPIFF = NAMES.moddle;
  var TASK_PROPERTIES = ["form", "title", "title_ru", "assignee", "due"];
  var NAME_TRANSLATIONS = ["name_ru"]; // every named element: tasks, lanes, events, gateways
  var container = document.getElementById("editor");
  var panel = document.getElementById("properties");
  var body = document.getElementById("properties-body");
  var TEXT = JSON.parse(container.dataset.text);
  var LANGUAGE = NAMES.languageOf(container);
  var LINT_MESSAGES = JSON.parse(container.dataset.lintMessages);

  // bpmn-js's texts (bpmnlint's messages and button among them) in the reader's language.
  function translate(template, replacements) {
    var text = LINT_MESSAGES[template] || template;
    return text.replace(/{([^}]+)}/g, function (all, key) {
      return replacements && key in replacements ? replacements[key] : all;
    });
  }

  var modeler = new BpmnJS({
    container: container,
    moddleExtensions: { spiffworkflow: SPIFF },
    additionalModules: [InvoiceFlowLinting.module, { translate: ["value", translate] }],
    linting: { bpmnlint: InvoiceFlowLinting.config, active: true }
  });
  var modeling, moddle, selected = null, applying = false;
  var placeholder = body.innerHTML;
  // Edits since the page opened, and how many of them the server has: equal means saved.
  var changes = 0, savedChanges = 0;
  modeler.on("linting.completed", function (event) { showLiveProblems(event.issues); });

  // The approver loop names task-data variables (loopDataInputRef "approvers"), not BPMN
  // elements: bpmn-js drops such "unresolved references" on import. Put them back.
  function keepLoopReferences(warnings) {
    warnings.forEach(function (w) {
      if (/^unresolved reference/.test(w.message) && w.element &&
          w.element.$type === "bpmn:MultiInstanceLoopCharacteristics") {
        w.element.set(w.property, moddle.create("bpmn:ItemAwareElement", { id: w.value }));
      }
    });
  }

  function spiffProperties(bo) {
    var ext = bo.extensionElements;
    var holder = ext && (ext.values || []).find(function (v) { return v.$type === "spiffworkflow:Properties"; });
    var result = {};
    (holder && holder.properties || []).forEach(function (p) { result[p.name] = p.value; });
    return result;
  }

  // Every change goes through `modeling`, so undo and redo cover the side panel too.
  function setSpiffProperty(element, name, value) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var holder = (ext.values || []).find(function (v) { return v.$type === "spiffworkflow:Properties"; });
    if (!holder) {
      holder = moddle.create("spiffworkflow:Properties", { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([holder]) });
    }
    var properties = (holder.properties || []).filter(function (p) { return p.name !== name; });
    if (value) { properties.push(moddle.create("spiffworkflow:Property", { name: name, value: value })); }
    modeling.updateModdleProperties(element, holder, { properties: properties });
  }

  function field(label, value, onChange, options) {
    var group = document.createElement("div");
    group.className = "form-group";
    var caption = document.createElement("label");
    // The reader's words; the property's name in the diagram stays in data-property.
    caption.textContent = (TEXT.fields && TEXT.fields[label]) || label;
    caption.dataset.property = label;
    var input;
    if (options) {
      input = document.createElement("select");
      [""].concat(options).forEach(function (o) {
        var option = document.createElement("option");
        option.value = o; option.textContent = o || "—";
        if (o === (value || "")) { option.selected = true; }
        input.appendChild(option);
      });
    } else {
      input = document.createElement("input");
      input.value = value || "";
    }
    input.className = "form-control input-sm";
    input.name = label;
    input.id = "prop-" + label;
    caption.htmlFor = input.id;
    input.addEventListener("change", function () {
      applying = true;
      try { onChange(input.value.trim()); } finally { applying = false; }
    });
    group.appendChild(caption); group.appendChild(input);
    body.appendChild(group);
  }

  function expressionOf(node) { return node && node.body || ""; }

  function render(element) {
    body.innerHTML = "";
    if (element && element.labelTarget) { element = element.labelTarget; }
    selected = element;
    if (!element) { body.innerHTML = placeholder; return; }
    var bo = element.businessObject;
    var title = document.createElement("p");
    title.innerHTML = "<strong></strong> <code></code>";
    title.firstChild.textContent = bo.$type.replace("bpmn:", "");
    title.lastChild.textContent = bo.id;
    body.appendChild(title);
    field("name", bo.name, function (v) { modeling.updateProperties(element, { name: v }); });
    var translated = spiffProperties(bo);
    NAME_TRANSLATIONS.forEach(function (name) {
      field(name, translated[name], function (v) { setSpiffProperty(element, name, v); });
    });
    if (bo.$type === "bpmn:Lane") {
      var hint = document.createElement("p");
      hint.className = "help-block";
      hint.textContent = TEXT.lane_hint + " " + JSON.parse(panel.dataset.roles).join(", ");
      body.appendChild(hint);
    }
    if (bo.$type === "bpmn:UserTask") {
      var lanes = lanesOf();
      if (lanes.length) {
        var current = laneAt(element, lanes);
        field("lane", current && current.businessObject.name,
              function (v) { moveIntoLane(element, lanes, v); },
              lanes.map(function (l) { return l.businessObject.name || l.id; }));
      }
      var props = spiffProperties(bo);
      TASK_PROPERTIES.forEach(function (name) {
        field(name, props[name], function (v) { setSpiffProperty(element, name, v); },
              name === "form" ? JSON.parse(panel.dataset.forms) : null);
      });
    }
    if (bo.$type === "bpmn:EndEvent") {
      field("status", spiffProperties(bo).status, function (v) { setSpiffProperty(element, "status", v); },
            JSON.parse(panel.dataset.statuses));
    }
    if (bo.$type === "bpmn:SequenceFlow") {
      field("condition", expressionOf(bo.conditionExpression), function (v) {
        modeling.updateProperties(element, {
          conditionExpression: v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined });
      });
    }
    var timer = (bo.eventDefinitions || []).find(function (d) { return d.$type === "bpmn:TimerEventDefinition"; });
    if (timer) {
      ["timeDuration", "timeCycle", "timeDate"].forEach(function (kind) {
        field(kind, expressionOf(timer[kind]), function (v) {
          var change = {};
          change[kind] = v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined;
          modeling.updateModdleProperties(element, timer, change);
        });
      });
    }
  }

  // A task's lane is where it is drawn: choosing one in the panel moves the task into it
  // (bpmn-js then updates the lane's flowNodeRef, and the flows follow).
  function lanesOf() {
    return modeler.get("elementRegistry").filter(function (el) { return el.type === "bpmn:Lane"; });
  }

  function laneAt(element, lanes) {
    var x = element.x + element.width / 2, y = element.y + element.height / 2;
    var around = lanes.filter(function (l) {
      return x >= l.x && x <= l.x + l.width && y >= l.y && y <= l.y + l.height;
    });
    around.sort(function (a, b) { return a.width * a.height - b.width * b.height; });
    return around[0] || null;
  }

  function moveIntoLane(element, lanes, name) {
    var lane = lanes.find(function (l) { return (l.businessObject.name || l.id) === name; });
    if (!lane || laneAt(element, lanes) === lane) { return; }
    var dy = lane.y + lane.height / 2 - (element.y + element.height / 2);
    modeling.moveShape(element, { x: 0, y: dy });
  }

  // "Approval (approval_step)": an element as the analyst knows it, by its name and id.
  function describe(id) {
    var element = id && modeler.get("elementRegistry").get(id);
    var name = element && element.businessObject && element.businessObject.name;
    return name ? name + " (" + id + ")" : id || TEXT.diagram;
  }

  function problemItem(severity, elementId, where, text, rule) {
    var item = document.createElement("li");
    item.className = severity === "error" ? "text-danger" : "text-warning";
    item.dataset.element = elementId || "";
    item.dataset.severity = severity;
    item.textContent = describe(elementId) + where + ": " + text;
    if (rule) {
      var ruleName = document.createElement("span");
      ruleName.className = "if-rule";
      ruleName.textContent = " (" + rule + ")";
      item.appendChild(ruleName);
    }
    return item;
  }

  function fill(list, items) {
    list.innerHTML = "";
    if (!items.length) {
      var ok = document.createElement("li");
      ok.className = "text-success"; ok.textContent = list.dataset.none;
      list.appendChild(ok);
    }
    items.forEach(function (item) { list.appendChild(item); });
  }

  // The app's check, as the last save returned it: listed by element and drawn red.
  function showProblems(problems) {
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    registry.getAll().forEach(function (el) { canvas.removeMarker(el.id, "if-problem"); });
    fill(document.getElementById("problems"), problems.map(function (p) {
      var where = p.line ? ", " + TEXT.line + " " + p.line : "";
      if (p.element_id && registry.get(p.element_id)) { canvas.addMarker(p.element_id, "if-problem"); }
      return problemItem(p.severity, p.element_id, where, p.message, p.rule);
    }));
  }

  // bpmnlint's findings after every change (bpmn-js-bpmnlint lints and draws its own markers).
  function showLiveProblems(issues) {
    var items = [];
    Object.keys(issues).forEach(function (id) {
      issues[id].forEach(function (issue) {
        items.push(problemItem(issue.category === "error" ? "error" : "warning",
                               issue.actualElementId || issue.id, "", translate(issue.message), issue.rule));
      });
    });
    items.sort(function (a, b) { return (a.dataset.severity > b.dataset.severity) - (a.dataset.severity < b.dataset.severity); });
    fill(document.getElementById("live-problems"), items);
  }

  function selectElement(event) {
    var item = event.target.closest("li");
    var id = item && item.dataset.element;
    var element = id && modeler.get("elementRegistry").get(id);
    if (element && element.parent) {
      modeler.get("selection").select(element);
      modeler.get("canvas").scrollToElement(element);
    }
  }
  document.getElementById("problems").addEventListener("click", selectElement);
  document.getElementById("live-problems").addEventListener("click", selectElement);

  var TABLES = window.InvoiceFlowDecisionTables; // the version's DMN tables, when the page has them
  function isDirty() { return changes !== savedChanges || Boolean(TABLES && TABLES.isDirty()); }

  function showState(text, saved) {
    var state = document.getElementById("save-state");
    state.textContent = text;
    state.dataset.saved = saved;
  }

  // Save the diagram and get the app's check; resolves to the server's answer.
  function save() {
    var upTo = changes, decisions = null;
    showState(TEXT.saving, "saving");
    var tables = TABLES ? TABLES.collect() : Promise.resolve(null);
    return tables.then(function (collected) {
      decisions = collected;
      return modeler.saveXML({ format: true });
    }).then(function (result) {
      var sent = { xml: result.xml };
      if (decisions) { sent.decision_tables = decisions.tables; }
      return fetch(container.dataset.save, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": container.dataset.csrf },
        body: JSON.stringify(sent)
      });
    }).then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.saved) {
          savedChanges = upTo;
          if (decisions) { decisions.sent(); }
        }
        showState(data.saved ? (isDirty() ? TEXT.unsaved : TEXT.saved) : TEXT.not_saved,
                  data.saved ? String(!isDirty()) : "false");
        // A refusal before the check (too large, unreadable) says why in `message`.
        showProblems(data.problems ||
                     (data.message ? [{ severity: "error", element_id: null, message: data.message }] : []));
        return data;
      })
      .catch(function (error) {
        showState(TEXT.not_saved, "false");
        throw error;
      });
  }

  function ignore() { /* save() has shown "Not saved" */ }

  // The reader's-language names beside the elements: under an external label (events,
  // gateways, named flows), above a task, inside an expanded sub-process at its foot, inside a
  // lane next to its own label, above a pool.
  var READER_NAME = "if-reader-name";
  function readerNamePlace(element) {
    if (element.label) { return { on: element.label, position: { bottom: -2, left: 0 } }; }
    if (element.type === "bpmn:Participant") { return { on: element, position: { top: -22, left: 30 } }; }
    if (element.type === "bpmn:Lane") { return { on: element, position: { top: 4, left: 34 } }; }
    if (element.type === "bpmn:SubProcess" && element.isExpanded !== false && element.width > 150) {
      return { on: element, position: { bottom: 22, left: 6 } };
    }
    return { on: element, position: { top: -20, left: 0 } };
  }

  function showReaderNames() {
    var overlays = modeler.get("overlays");
    overlays.remove({ type: READER_NAME });
    var hint = (TEXT.fields && TEXT.fields["name_" + LANGUAGE]) || "name_" + LANGUAGE;
    modeler.get("elementRegistry").forEach(function (element) {
      if (element.type === "label") { return; }
      var name = NAMES.nameIn(element.businessObject, LANGUAGE);
      if (!name) { return; }
      var note = document.createElement("div");
      note.className = READER_NAME;
      note.lang = LANGUAGE;
      note.title = hint + " (name_" + LANGUAGE + ")";
      note.dataset.element = element.id;
      note.textContent = name;
      var place = readerNamePlace(element);
      overlays.add(place.on, READER_NAME, { position: place.position, html: note });
    });
  }

  document.getElementById("save-draft").addEventListener("click", function () { save().catch(ignore); });

  // Publishing publishes the saved draft: with edits not saved yet, ask first.
  var publishForm = document.getElementById("publish-form");
  var dialog = document.getElementById("unsaved-dialog");
  publishForm.addEventListener("submit", function (event) {
    if (!isDirty()) { return; }
    event.preventDefault();
    dialog.showModal();
  });
  document.getElementById("unsaved-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("unsaved-save-and-publish").addEventListener("click", function () {
    dialog.close();
    save().then(function (data) {
      if (data.saved) { publishForm.submit(); }
    }).catch(ignore);
  });

  window.addEventListener("beforeunload", function (event) {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  fetch(container.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function (result) {
      modeling = modeler.get("modeling");
      moddle = modeler.get("moddle");
      keepLoopReferences(result.warnings || []);
      var canvas = modeler.get("canvas");
      canvas.zoom("fit-viewport", "auto");
      canvas.zoom(canvas.zoom() * 0.85, "auto");
      modeler.on("selection.changed", function (event) { render(event.newSelection[0] || null); });
      modeler.on("commandStack.changed", function () {
        changes += 1;
        showState(TEXT.unsaved, "false");
        showReaderNames();
      });
      showReaderNames();
      modeler.on("element.changed", function (event) {
        // Refresh after undo/redo or canvas edits, not while the panel itself applies a change.
        if (selected && event.element === selected && !applying) { render(selected); }
      });
      showProblems(JSON.parse(document.getElementById("problems").dataset.problems));
      container.dataset.rendered = "true";
    });
})();
