// InvoiceFlow's own bpmnlint rules (see ../bpmnlint.config.js for how they join the recommended set).
module.exports = {
  configs: {},
  rules: {
    "label-required": "./rules/label-required"
  }
};
