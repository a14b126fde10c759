"""The Evidently adapter: the HTML drift report."""

from __future__ import annotations

from monitors.evidently_adapter import drift_report_html
from tests.monitors.drift.cases import frames


def test_the_html_report_names_the_columns_and_respects_the_size_cap() -> None:
    reference, current = (f.rename(columns={"num": "tenure_days"}) for f in frames("small"))
    html = drift_report_html(
        reference, current, ["tenure_days", "cat"], categorical=["cat"], max_rows=200, seed=1
    )
    assert html is not None
    assert "<html" in html.lower()
    assert "tenure_days" in html
    assert drift_report_html(reference, current, ["tenure_days"], max_bytes=1000) is None
