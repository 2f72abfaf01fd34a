"""The heatmap's figures over HTTP: each task's median and 90th percentile waiting time and the
invoices that passed it, each flow's count, for a version and a period; who may read them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import clock

EVERY_FLOW = {
    "f_start": 4,  # A, B, C, D were submitted
    "f_approval_start": 5,  # ... and B again after its correction
    "f_approval_done": 4,
    "f_decided": 4,
    "f_approved": 2,  # A and B
    "f_returned": 1,  # B
    "f_resubmitted": 1,
    "f_rejected": 1,  # C
    "f_paid": 2,
}


def figures(client, story, period=None):
    response = client.get(f"/reports/heatmap/{story.version_id}/figures?{period or story.period}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def by_task(answer) -> dict:
    return {task["id"]: task for task in answer["tasks"]}


def test_each_task_shows_its_median_and_p90_wait_and_the_invoices_that_passed(story, login):
    tasks = by_task(figures(login("alla"), story))
    approve, pay, correct = tasks["approve"], tasks["pay"], tasks["correct"]
    # approve waited 2 h (A), 4 h and 6 h (B), 8 h (C): 4 tasks on 3 invoices
    assert (approve["tasks"], approve["invoices"]) == (4, 3)
    assert approve["median_hours"] == pytest.approx(5.0)
    assert approve["p90_hours"] == pytest.approx(7.4)  # 6 + 0.7 * (8 - 6)
    # pay waited 10 h (A) and 20 h (B)
    assert (pay["invoices"], pay["median_hours"], pay["p90_hours"]) == (2, 15.0, 19.0)
    assert (correct["invoices"], correct["median_hours"]) == (1, 1.0)
    # the slowest median is darkest; the quickest lightest
    assert pay["band"] == 5 and correct["band"] == 1
    assert "median 15.0 h · p90 19.0 h" in pay["text"]


def test_each_flow_counts_the_invoices_that_took_it(story, login):
    flows = figures(login("audra"), story)["flows"]
    assert {flow: figure["count"] for flow, figure in flows.items()} == EVERY_FLOW
    assert flows["f_approval_start"]["band"] == 5 and flows["f_returned"]["band"] == 1


def test_a_period_before_the_story_shows_nothing(story, login):
    before = story.start.date() - timedelta(days=10)
    period = f"from={(before - timedelta(days=5)).isoformat()}&to={before.isoformat()}"
    answer = figures(login("adam"), story, period)
    assert answer["tasks"] == [] and answer["flows"] == {}


def test_a_period_ending_before_a_payment_leaves_it_out(story, login):
    # the story's first day on the reader's clock (Moscow, UTC+3: until 21:00 UTC) holds every
    # decision and A's payment (18:00 UTC), not B's (the next day)
    day = story.start.date()
    period = f"from={day.isoformat()}&to={day.isoformat()}"
    answer = figures(login("alla"), story, period)
    tasks = by_task(answer)
    assert (tasks["approve"]["tasks"], tasks["approve"]["median_hours"]) == (4, 5.0)
    assert (tasks["pay"]["invoices"], tasks["pay"]["median_hours"]) == (1, 10.0)
    assert tasks["pay"]["count_text"] == "1 invoice"
    assert answer["flows"]["f_paid"]["count"] == 1 and answer["flows"]["f_start"]["count"] == 4


def test_bad_periods_are_refused_with_a_reason(story, login):
    client = login("alla")
    today = clock.today()
    backwards = f"from={today.isoformat()}&to={(today - timedelta(days=1)).isoformat()}"
    for period in ("from=yesterday", backwards, "from=2001-01-01"):
        response = client.get(f"/reports/heatmap/{story.version_id}/figures?{period}")
        assert response.status_code == 400, period
        assert response.json["errors"]


def test_an_unknown_version_is_not_found(story, login):
    assert login("alla").get("/reports/heatmap/99999/figures").status_code == 404


def test_only_admins_analysts_and_auditors_read_the_heatmap(story, login):
    url = f"/reports/heatmap/{story.version_id}/figures?{story.period}"
    for username in ("ivan", "approver1", "fedor"):
        response = login(username).get(url)
        assert response.status_code in (302, 403), username
    for username in ("alla", "audra", "adam"):
        assert login(username).get(url).status_code == 200, username


def test_the_heatmap_page_lists_the_tasks_in_the_readers_language(story, login):
    client = login("alla")
    page = client.get(f"/reports/heatmap/{story.version_id}?{story.period}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-test="heatmap"' in html and "Approve invoice" in html
    client.get("/lang/ru")
    russian = client.get(f"/reports/heatmap/{story.version_id}?{story.period}")
    assert "Согласование счёта" in russian.get_data(as_text=True)


def test_the_version_page_links_to_its_heatmap(story, login):
    html = login("alla").get(f"/process/version/{story.version_id}").get_data(as_text=True)
    assert f'href="/reports/heatmap/{story.version_id}"' in html
