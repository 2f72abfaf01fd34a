"""Names the rules put into their messages, translatable (values nested in a message are
rendered again in each reader's language)."""

from __future__ import annotations

from app.i18n import _
from app.workflow.problems import Listing

TRIGGER_NAMES = {
    None: _("no trigger"),
    "message": _("message"),
    "timer": _("timer"),
    "signal": _("signal"),
    "conditional": _("conditional"),
    "error": _("error"),
    "escalation": _("escalation"),
    "compensation": _("compensation"),
    "cancel": _("cancel"),
    "terminate": _("terminate"),
    "link": _("link"),
    "reference": _("referenced definition"),
}

POSITION_NAMES = {
    "startEvent": _("start event"),
    "endEvent": _("end event"),
    "intermediateCatchEvent": _("intermediate catch event"),
    "intermediateThrowEvent": _("intermediate throw event"),
    "boundaryEvent": _("boundary event"),
}

SCOPE_NAMES = {
    "process": _("at the top level of a process"),
    "subProcess": _("inside an embedded sub-process"),
    "event": _("inside an event sub-process"),
    "transaction": _("inside a transaction"),
    "adHocSubProcess": _("inside an ad-hoc sub-process"),
    "boundary": _("on the border of an activity"),
}

REFERENCE_NAMES = {
    "message": _("the message"),
    "error": _("the error"),
    "escalation": _("the escalation"),
    "signal": _("the signal"),
    "itemDefinition": _("the item definition"),
    "dataObject": _("the data object"),
    "process": _("the process"),
    "element": _("the element"),
    "data": _("the data"),
}


def trigger_list(names) -> Listing:
    return Listing(TRIGGER_NAMES[name] for name in names)
