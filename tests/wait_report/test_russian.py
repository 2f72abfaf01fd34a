"""The wait reports read Russian to a Russian reader: no English word on the heatmap page or
the cycle-time report (brands, codes and the names the test typed aside), task names from the
diagram's name_ru."""

from __future__ import annotations

from tests.russian_text import latin_words, visible_text

TYPED = {
    "Audra",
    "Ivan",
    "Fedor",
    "Approver1",
    "Approver2",
    "Tester",
    "Acme",
    "Supplier",
    "CSV",
    "UTC",
}


def english_on(client, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, f"{url}: {answer.status_code}"
    return latin_words(visible_text(answer.get_data(as_text=True)), TYPED)


def test_a_russian_auditor_meets_only_russian_on_the_wait_reports(story, login):
    audra = login("audra")
    audra.get("/lang/ru")
    for url in (
        f"/reports/heatmap/{story.version_id}?{story.period}",
        f"/reports/cycle-time?{story.period}",
    ):
        assert english_on(audra, url) == [], url
    figures = audra.get(f"/reports/heatmap/{story.version_id}/figures?{story.period}").json
    approve = next(task for task in figures["tasks"] if task["id"] == "approve")
    assert approve["name"] == "Согласование счёта"
    assert approve["text"].startswith("медиана 5,0 ч") and approve["count_text"] == "3 счёта"
