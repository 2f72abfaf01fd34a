"""Importing a Camunda 7 diagram: what it says in Camunda's terms, and what to write here
instead. JUEL expressions get their Python form; Java delegates, listeners, Camunda forms,
DMN decisions and variable mappings are named, since nothing here runs them."""

from __future__ import annotations

import re

from app.i18n import _
from app.workflow.conformance.diagram import Diagram, kind, label
from app.workflow.problems import Problem, error

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
JUEL = re.compile(r"[$#]\{(.*?)\}", re.DOTALL)
ISO_TIMER = re.compile(r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d\d-\d\dT[0-9:.+\-Z]*)$")
EXPRESSION_TAGS = {
    "conditionExpression",
    "timeDate",
    "timeDuration",
    "timeCycle",
    "completionCondition",
    "loopCardinality",
    "condition",
}
TIMER_TAGS = {"timeDate", "timeDuration", "timeCycle"}
DELEGATES = ("class", "delegateExpression", "expression")
FORMS = ("formKey", "formRef")


def c(name: str) -> str:
    return "{" + CAMUNDA + "}" + name


def python_form(text: str) -> str:
    """The Python a JUEL expression means here: `${amount > 1000}` -> `amount > 1000`; text
    around expressions becomes an f-string (`PT${n}M` -> `f"PT{n}M"`)."""
    whole = JUEL.fullmatch(text.strip())
    if whole:
        return _python(whole.group(1))
    parts = JUEL.sub(lambda m: "{" + _python(m.group(1)) + "}", text.strip())
    return 'f"' + parts.replace('"', '\\"') + '"'


TOKEN = re.compile(
    r"""("[^"]*"|'[^']*')|(&&|\|\||!=|==|<=|>=|!)|([A-Za-z_][A-Za-z_0-9]*)|(\s+)|(.)""",
    re.DOTALL,
)
WORDS = {
    "true": "True",
    "false": "False",
    "null": "None",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
    "empty": "not",
}
SYMBOLS = {"&&": "and", "||": "or", "!": "not"}
GET_VARIABLE = re.compile(r"""execution\s*\.\s*getVariable\(\s*["']([A-Za-z_]\w*)["']\s*\)""")


def _python(juel: str) -> str:
    juel = GET_VARIABLE.sub(r"\1", juel)
    out = []
    for string, symbol, word, space, other in TOKEN.findall(juel):
        if string or other:
            out.append(string or other)
        elif symbol:
            out.append(f" {SYMBOLS.get(symbol, symbol)} ")
        elif word:
            out.append(f" {WORDS.get(word, word)} " if word in WORDS else word)
        elif space:
            out.append(" ")
    python = " ".join("".join(out).split())
    python = re.sub(r"\bnot not\b ?", "", python)  # `not empty x` is `x`
    python = python.replace("!= None", "is not None").replace("== None", "is None")
    return python.replace("( ", "(").replace(" )", ")")


def camunda_problems(diagram: Diagram) -> list[Problem]:
    if not _uses_camunda(diagram.root):
        return []
    problems = []
    for rule in RULES:
        problems += rule(diagram)
    return problems


def _uses_camunda(root) -> bool:
    """Camunda's namespace is declared on the root by every Camunda Modeler file; attributes
    from it anywhere else count too."""
    if CAMUNDA in (root.nsmap or {}).values():
        return True
    return any(
        key.startswith("{" + CAMUNDA + "}") for element in root.iter() for key in element.attrib
    )


def expressions(diagram: Diagram) -> list[Problem]:
    """Rules `camunda-expression` and `camunda-timer`: conditions and timers in Python."""
    problems = []
    for name in sorted(EXPRESSION_TAGS):
        for node in diagram.all(name):
            text = (node.text or "").strip()
            owner = _owner(node)
            if JUEL.search(text):
                message = _(
                    "Expressions are Python here: %(element)s has the Camunda expression "
                    "%(juel)s (%(where)s). Write it as %(python)s.",
                    element=label(owner),
                    juel=text,
                    where=name,
                    python=python_form(text),
                )
                problems.append(error(owner, message, "camunda-expression"))
            elif name in TIMER_TAGS and ISO_TIMER.match(text):
                message = _(
                    "Timer values are Python texts here: %(element)s has %(value)s; write it "
                    'in quotes, "%(value)s".',
                    element=label(owner),
                    value=text,
                )
                problems.append(error(owner, message, "camunda-timer"))
    return problems


def assignments(diagram: Diagram) -> list[Problem]:
    """Rules `camunda-assignee`, `camunda-candidates`, `camunda-due-date`: who does a task and
    by when are said by lanes and task properties here."""
    problems = []
    for task in diagram.all("userTask"):
        assignee = task.get(c("assignee"))
        if assignee:
            message = _(
                "Tasks go to a lane's role or to the person in the `assignee` property: "
                "%(element)s has camunda:assignee %(value)s. Put the task in a lane named "
                "after a role, or set the task property `assignee` to a task-data variable "
                "holding a user id (%(python)s).",
                element=label(task),
                value=assignee,
                python=_plain(assignee),
            )
            problems.append(error(task, message, "camunda-assignee"))
        for attribute in ("candidateGroups", "candidateUsers"):
            value = task.get(c(attribute))
            if value:
                message = _(
                    "Tasks are offered to a role by their lane: %(element)s has camunda:"
                    "%(attribute)s %(value)s. Put the task in a lane named after the role "
                    "(%(python)s) and remove the attribute.",
                    element=label(task),
                    attribute=attribute,
                    value=value,
                    python=_plain(value),
                )
                problems.append(error(task, message, "camunda-candidates"))
        if task.get(c("dueDate")):
            message = _(
                "Due dates are the task property `due` here: %(element)s has camunda:dueDate "
                "%(value)s. Set `due` to an ISO 8601 duration such as P2D.",
                element=label(task),
                value=task.get(c("dueDate")),
            )
            problems.append(error(task, message, "camunda-due-date"))
    return problems


def multi_instances(diagram: Diagram) -> list[Problem]:
    """Rule `camunda-multi-instance`: the collection is a BPMN loop input here."""
    problems = []
    for loop in diagram.all("multiInstanceLoopCharacteristics"):
        collection = loop.get(c("collection"))
        if collection:
            activity = loop.getparent()
            message = _(
                "A multi-instance runs over a list in the task data: %(element)s has "
                "camunda:collection %(value)s. Use a loop input (loopDataInputRef) "
                "%(python)s and an input data item named %(item)s.",
                element=label(activity),
                value=collection,
                python=_plain(collection),
                item=loop.get(c("elementVariable")) or "item",
            )
            problems.append(error(activity, message, "camunda-multi-instance"))
    return problems


def delegates(diagram: Diagram) -> list[Problem]:
    """Rules `camunda-delegate` (Java code and external tasks) and `camunda-decision` (DMN)."""
    problems = []
    for element in diagram.root.iter():
        if not kind(element):
            continue
        code = [f"camunda:{a}={element.get(c(a))}" for a in DELEGATES if element.get(c(a))]
        if element.get(c("type")) == "external":
            code.append(f"camunda:topic={element.get(c('topic')) or ''}")
        if code:
            owner = _owner(element)
            message = _(
                "Java delegates and external tasks are not run here: %(element)s calls "
                "%(code)s. Write the work as a Python script task, or make it a user task for "
                "a person.",
                element=label(owner),
                code=", ".join(code),
            )
            problems.append(error(owner, message, "camunda-delegate"))
        decision = element.get(c("decisionRef"))
        if decision:
            message = _(
                "DMN decisions are not evaluated here: %(element)s calls the decision "
                "“%(ref)s”. Draw the decision as an exclusive gateway with conditions, or "
                "compute it in a script task.",
                element=label(element),
                ref=decision,
            )
            problems.append(error(element, message, "camunda-decision"))
    return problems


def extensions(diagram: Diagram) -> list[Problem]:
    """Rules `camunda-listener`, `camunda-form` and `camunda-input-output`."""
    problems = []
    for element in diagram.root.iter():
        if not kind(element) or not element.get("id"):
            continue
        extension = next((e for e in element if kind(e) == "extensionElements"), None)
        found = list(extension) if extension is not None else []
        for listener in (e for e in found if e.tag in (c("executionListener"), c("taskListener"))):
            problems.append(_listener(element, listener))
        forms = [f"camunda:{a}={element.get(c(a))}" for a in FORMS if element.get(c(a))]
        forms += ["camunda:formData" for e in found if e.tag == c("formData")]
        if forms:
            message = _(
                "Forms are chosen by the task property `form` here: %(element)s uses "
                "%(form)s. Set `form` to approval, correction, payment or acknowledge.",
                element=label(element),
                form=", ".join(forms),
            )
            problems.append(error(element, message, "camunda-form"))
        mappings = [e for e in found if e.tag in (c("inputOutput"), c("in"), c("out"))]
        if mappings:
            message = _(
                "Variable mappings are not applied here: %(element)s maps variables "
                "(camunda:inputOutput, camunda:in or camunda:out). Every step sees the "
                "invoice's task data; set other values in a script task or a pre-script.",
                element=label(element),
            )
            problems.append(error(element, message, "camunda-input-output"))
    return problems


LISTENER_KINDS = {True: _("a task listener"), False: _("an execution listener")}


def _listener(element, listener) -> Problem:
    code = next(
        (f"camunda:{a}={listener.get(a)}" for a in DELEGATES if listener.get(a)), "a script"
    )
    message = _(
        "Listeners are not run here: %(element)s has %(kind)s on “%(event)s” "
        "(%(code)s). Move the work into a script task, or into the task's pre- or post-script "
        "(spiffworkflow:preScript, spiffworkflow:postScript).",
        element=label(element),
        kind=LISTENER_KINDS[listener.tag == c("taskListener")],
        event=listener.get("event") or "",
        code=code,
    )
    return error(element, message, "camunda-listener")


def _plain(value: str) -> str:
    return python_form(value) if JUEL.search(value) else value


def _owner(node):
    """The element an analyst clicks: a timer's event rather than its definition."""
    while node is not None and (not node.get("id") or kind(node).endswith("EventDefinition")):
        node = node.getparent()
    return node


RULES = (expressions, assignments, multi_instances, delegates, extensions)
