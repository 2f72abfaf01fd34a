// The generic BPMN checks the process editor runs live while the analyst draws: bpmnlint's
// recommended rules, tuned where they contradict InvoiceFlow's contract. The app's own check
// (on save and on publish) stays the judge of what may be published.
module.exports = {
  extends: "bpmnlint:recommended",
  rules: {
    // Recommended asks a name of every event too; the app names events by id, and boundary
    // timers and sub-process starts and ends read well without one. Ours asks where people read.
    "label-required": "off",
    "invoiceflow/label-required": "warn",
    // The correction loop goes back into the approval sub-process: an activity with several
    // incoming flows starts once per arriving flow, which is what the diagram means.
    "fake-join": "off",
    // A label on a plain flow ("resubmitted") helps finance directors read the path on the card.
    "superfluous-label": "off"
  }
};
