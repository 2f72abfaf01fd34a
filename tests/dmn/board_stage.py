"""The default process with a parallel stage added by text, as an analyst would in the editor:
every holder of the role "Board" gets a task at once; the completion condition says when the
stage has enough answers (all, any one, N of M)."""

from pathlib import Path

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()

ALL = "board_approval['decision'] != 'approve'"
ANY_ONE = "True"
TWO_OF_THEM = (
    "board_approval['decision'] != 'approve' or "
    "len([v for v in board_votes if v['decision'] == 'approve']) &gt;= 2"
)

STAGE = """
    <bpmn:userTask id="board_review" name="Board review">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="name_ru" value="Рассмотрение правлением"/>
          <spiffworkflow:property name="form" value="approval"/>
          <spiffworkflow:property name="assignee" value="member"/>
          <spiffworkflow:property name="title" value="Board review of invoice #{number}"/>
          <spiffworkflow:property name="title_ru" value="Рассмотрение правлением счёта №{number}"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_approved</bpmn:incoming>
      <bpmn:outgoing>f_board_done</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopDataInputRef>board</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>board_votes</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="member" name="member"/>
        <bpmn:outputDataItem id="board_approval" name="board_approval"/>
        <bpmn:completionCondition>CONDITION</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_board_done" sourceRef="board_review" targetRef="gw_board"/>
    <bpmn:exclusiveGateway id="gw_board" name="Board decision?" default="f_board_ok">
      <bpmn:incoming>f_board_done</bpmn:incoming>
      <bpmn:outgoing>f_board_ok</bpmn:outgoing>
      <bpmn:outgoing>f_board_reject</bpmn:outgoing>
      <bpmn:outgoing>f_board_return</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_board_ok" sourceRef="gw_board" targetRef="pay"/>
    <bpmn:sequenceFlow id="f_board_reject" sourceRef="gw_board" targetRef="end_rejected">
      <bpmn:conditionExpression>board_votes[-1]['decision'] == 'reject'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_board_return" sourceRef="gw_board" targetRef="correct">
      <bpmn:conditionExpression>board_votes[-1]['decision'] == 'return'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
"""


def with_board_stage(condition: str) -> str:
    xml = DEFAULT.replace(
        'sourceRef="gw_decision" targetRef="pay"',
        'sourceRef="gw_decision" targetRef="board_review"',
    )
    xml = xml.replace(
        "      <bpmn:incoming>f_approved</bpmn:incoming>\n      <bpmn:outgoing>f_paid",
        "      <bpmn:incoming>f_board_ok</bpmn:incoming>\n      <bpmn:outgoing>f_paid",
    )
    xml = xml.replace(
        "      <bpmn:incoming>f_rejected</bpmn:incoming>\n",
        "      <bpmn:incoming>f_rejected</bpmn:incoming>\n"
        "      <bpmn:incoming>f_board_reject</bpmn:incoming>\n",
    )
    xml = xml.replace(
        "      <bpmn:incoming>f_returned</bpmn:incoming>\n",
        "      <bpmn:incoming>f_returned</bpmn:incoming>\n"
        "      <bpmn:incoming>f_board_return</bpmn:incoming>\n",
    )
    xml = xml.replace(
        "    </bpmn:laneSet>",
        """      <bpmn:lane id="lane_board" name="Board">
        <bpmn:flowNodeRef>board_review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw_board</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>""",
    )
    stage = STAGE.replace("CONDITION", condition)
    return xml.replace("  </bpmn:process>", stage + "  </bpmn:process>")
