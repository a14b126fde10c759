"""auto picks the stattest Evidently picks."""

from __future__ import annotations

from tests.monitors.drift.cases import ours


def test_auto_resolves_as_evidently_documents() -> None:
    small = {c: v["method"] for c, v in ours("small", "auto").items()}
    large = {c: v["method"] for c, v in ours("large", "auto").items()}
    assert small == {
        "num": "ks",
        "count": "ks",
        "score": "ks",
        "few": "chisquare",
        "pair": "chisquare",  # two values in the reference, three with the window
        "constant": "z",
        "opens": "ks",
        "cat": "chisquare",
        "flag": "z",
    }
    assert large == {
        "num": "wasserstein",
        "count": "wasserstein",
        "score": "wasserstein",
        "few": "jensenshannon",
        "pair": "jensenshannon",
        "constant": "jensenshannon",
        "opens": "wasserstein",
        "cat": "jensenshannon",
        "flag": "jensenshannon",
    }
