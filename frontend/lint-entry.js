// The process editor's live checks: bpmn-js-bpmnlint with the compiled rule set, as one global
// for app/web/static/js/process-editor.js (which loads bpmn-js's own prebuilt modeler).
import lintingModule from "bpmn-js-bpmnlint";
import bpmnlintConfig from "invoiceflow:bpmnlint-config";

window.InvoiceFlowLinting = { module: lintingModule, config: bpmnlintConfig };
