"""Publishing what the current version already says is refused, however the editor wrote the
file out; a change of layout alone is a change."""

import io
from pathlib import Path

import pytest
from lxml import etree

from app import roles
from app.extensions import db
from app.models import ProcessVersion

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
NOTHING_TO_PUBLISH = "Nothing to publish: this diagram is version 1 already, the current one."


def written_again(xml: str) -> str:
    """The same diagram as another tool writes it: another prefix, attributes in another order,
    shapes in the order they were drawn, an empty label, no indentation, no XML declaration."""
    xml = xml.replace("xmlns:bpmn=", "xmlns:semantic=").replace("bpmn:", "semantic:")
    xml = xml.replace('id="pay_di" bpmnElement="pay"', 'bpmnElement="pay" id="pay_di"')
    root = etree.fromstring(xml.encode())
    plane = root.find(f".//{DI}BPMNPlane")
    plane[:] = list(reversed(plane))
    etree.SubElement(root.find(f".//{DI}BPMNShape[@bpmnElement='pay']"), f"{DI}BPMNLabel")
    for element in root.iter():
        element.tail = None
        if len(element):
            element.text = None
    return etree.tostring(root, encoding="unicode")


@pytest.fixture
def analyst(make, login):
    make.user("alla", roles.ANALYST)
    return login("alla")


def publish(client, xml: str, note: str):
    draft_url = client.post(
        "/process/drafts", data={"diagram": (io.BytesIO(xml.encode()), "mine.bpmn")}
    ).headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    return client.post(
        f"/process/drafts/{draft_id}/publish", data={"note": note}, follow_redirects=True
    ).get_data(as_text=True)


def versions(app) -> list[int]:
    with app.app_context():
        return sorted(v.version for v in db.session.query(ProcessVersion))


def test_the_current_version_written_out_again_is_refused_with_nothing_to_publish(app, analyst):
    assert written_again(DEFAULT) != DEFAULT

    page = publish(analyst, written_again(DEFAULT), "saved again in the editor")

    assert NOTHING_TO_PUBLISH in page
    assert versions(app) == [1]


def test_the_current_version_unchanged_is_refused_with_nothing_to_publish(app, analyst):
    assert NOTHING_TO_PUBLISH in publish(analyst, DEFAULT, "the same file")
    assert versions(app) == [1]


def test_a_shape_moved_is_a_change_that_publishes(app, analyst):
    moved = DEFAULT.replace('<dc:Bounds x="630" y="455"', '<dc:Bounds x="640" y="455"', 1)
    assert moved != DEFAULT

    assert "Published as version 2" in publish(analyst, moved, "pay invoice moved right")
    assert versions(app) == [1, 2]


def test_an_earlier_version_published_again_is_pointed_back_to_that_version(app, analyst):
    publish(analyst, DEFAULT.replace('value="P5D"', 'value="P6D"'), "escalate after 6 days")

    page = publish(analyst, DEFAULT, "back to the first")

    assert "This diagram is version 1 already: make that version current instead." in page
    assert versions(app) == [1, 2]
