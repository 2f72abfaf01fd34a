// A name where people read one: tasks and sub-processes (task lists, the invoice card's
// diagram, the approval history), lanes (a lane's name is the role it stands for), a gateway
// that decides between paths, and the conditional flows out of it. Events need none: the app
// names them by id, and the diagram reads well without.
const { is, isAny } = require("bpmnlint-utils");

module.exports = function () {
  function isDecision(node) {
    return isAny(node, ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"]) &&
      (node.outgoing || []).length > 1;
  }

  function needsName(node) {
    if (is(node, "bpmn:SequenceFlow")) {
      return Boolean(node.conditionExpression);
    }
    return isAny(node, ["bpmn:Activity", "bpmn:Lane"]) || isDecision(node);
  }

  function check(node, reporter) {
    if (needsName(node) && !(node.name || "").trim()) {
      reporter.report(node.id, "Element is missing a name", ["name"]);
    }
  }

  return { check };
};
