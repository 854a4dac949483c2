"""The charts' geometry: shapes in proportion to the numbers, on an axis that holds them, with
labels that never crowd; drawn by the dashboard as SVG."""

from __future__ import annotations

import pytest

from consent_service.charts import MAX_X_LABELS, Bar, BarGroup, bars, columns, nice_ceiling

SERIES = [("accept_all", "Accept all"), ("reject_all", "Reject all")]


@pytest.mark.parametrize(("highest", "ceiling", "step"), [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (11, 15, 5), (99, 100, 20), (101, 150, 50),
    (12345, 15000, 5000)])
def test_an_axis_of_counts_holds_the_highest_in_at_most_five_whole_steps(highest, ceiling, step):
    assert nice_ceiling(highest) == (ceiling, step)
    assert ceiling >= highest and ceiling // step <= 5 and ceiling % step == 0


def test_columns_stack_each_series_in_proportion_and_in_order():
    chart = columns(["1 dec", "2 dec"], [{"accept_all": 2, "reject_all": 6}, {"accept_all": 4}], SERIES)
    drawn = [rect for rect in chart.rects if rect.title]
    assert [rect.series for rect in drawn] == ["accept_all", "reject_all", "accept_all"]
    first_accept, first_reject, second_accept = drawn
    assert first_reject.height == pytest.approx(3 * first_accept.height)
    assert second_accept.height == pytest.approx(2 * first_accept.height)
    assert first_reject.y + first_reject.height == pytest.approx(first_accept.y), "stacked on it"
    assert first_accept.y + first_accept.height == pytest.approx(second_accept.y + second_accept.height)
    assert first_reject.title == "1 dec: Reject all 6"
    assert [text.text for text in chart.texts][:2] == ["Accept all", "Reject all"], "the legend"


def test_a_year_of_columns_writes_only_a_few_day_labels():
    labels = [f"day {n}" for n in range(366)]
    chart = columns(labels, [{"accept_all": 1}] * 366, SERIES)
    written = [text.text for text in chart.texts if text.text.startswith("day ")]
    assert written[0] == "day 0" and len(written) <= MAX_X_LABELS
    assert len([rect for rect in chart.rects if rect.title]) == 366


def test_bars_are_as_long_as_their_share_and_a_share_of_nothing_is_no_bar():
    chart = bars([BarGroup("Version 2026-11-01", (Bar("Statistics", 0.5, "50 %", "statistics"),
                                                  Bar("Media", 0.25, "25 %", "media"),
                                                  Bar("Preferences", None, "–", "preferences")))],
                 ("0 %", "50 %", "100 %"))
    statistics, media = chart.rects
    assert statistics.width == pytest.approx(2 * media.width)
    assert statistics.x == media.x
    texts = [text.text for text in chart.texts]
    assert "Version 2026-11-01" in texts and "–" in texts and "Preferences" in texts
    assert [text.text for text in chart.texts][:3] == ["0 %", "50 %", "100 %"]
