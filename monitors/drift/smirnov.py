"""The two-sided Kolmogorov-Smirnov distribution's survival function, as scipy computes it.

``kstwo_sf(d, n)`` equals ``scipy.stats.kstwo.sf(d, n)``, with one of its branches summed here
vectorised: scipy sums that series term by term in a Python-level loop.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats


def kstwo_sf(d: float, n: float) -> float:
    """scipy.stats.kstwo.sf(d, n), with its slowest branch computed here.

    scipy's ``_kolmogn(n, d, cdf=False)`` answers 2 * smirnov(n, d) when n > 140, 1 < n d < n - 1,
    d < 0.5 and 2.2 <= n d^2 < 370: a moderately drifted column. ``scipy.special.smirnov``
    then sums the n(1 - d) terms one by one; ``_smirnov`` sums the same series as one array
    expression. Elsewhere scipy decides.
    """
    t = n * d
    if n > 140 and d < 0.5 and 1 < t < n - 1 and 2.2 <= t * d < 370:
        return min(max(2 * _smirnov(n, d), 0.0), 1.0)  # _kolmogn: _clip_prob(2 * smirnov)
    return float(stats.kstwo.sf(d, n))


def _smirnov(n: float, d: float) -> float:
    """P(D+_n > d), the one-sided Smirnov survival function (scipy.special.smirnov).

    Birnbaum and Tingey (1951): d * sum over v = 0..floor(n (1 - d)) of
    C(n, v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v), every term positive, summed in log space
    (log C(n, v) = -log(n + 1) - betaln(n - v + 1, v + 1)) and rescaled by the largest term.
    Equal to scipy's within 1e-9 relative (tests/monitors/drift/test_ks.py).
    """
    v = np.arange(0, math.floor(n * (1 - d)) + 1, dtype=np.float64)
    at = d + v / n
    keep = at < 1
    v, at = v[keep], at[keep]
    log_terms = (
        -math.log1p(n)
        - special.betaln(n - v + 1, v + 1)
        + (v - 1) * np.log(at)
        + (n - v) * np.log1p(-at)
    )
    top = float(log_terms.max())
    return float(math.exp(top) * np.exp(log_terms - top).sum() * d)
