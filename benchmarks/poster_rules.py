"""Poster rules: every item × layout × size of both example configs, arranged (not painted) and checked.

Prints, per config, how many combinations were arranged and checked, how many were refused (the layout
has no variant for that shape; the refusal names the sizes that fit), the failures and rule breaches,
and the time taken, against a baseline that only arranges (no rule checks) run side by side.

Run by hand:  .venv/bin/python -m benchmarks.poster_rules
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import audit, draw

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = (ROOT / "config.yaml", ROOT / "examples" / "heihe-2016" / "config.yaml")


def main() -> None:
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    real = draw.breaches
    for path in CONFIGS:
        campaign = load_campaign(path)
        library = load_library(campaign.paths.content, campaign.text_values)
        draw.breaches = lambda *_: []  # type: ignore[assignment]  # the baseline: arrange only
        audit.breaches = draw.breaches  # type: ignore[attr-defined]
        start = time.perf_counter()
        audit.audit(campaign, library)
        baseline = time.perf_counter() - start
        draw.breaches = real  # type: ignore[assignment]
        audit.breaches = real  # type: ignore[attr-defined]
        start = time.perf_counter()
        result = audit.audit(campaign, library)
        checked = time.perf_counter() - start
        print(
            f"{path.relative_to(ROOT)}: {len(library.items)} items, combinations {result.combinations}, "
            f"arranged and checked {result.arranged}, refused {result.refused}, failures {len(result.failures)}, "
            f"breaches {len(result.breaches)}; {checked:.1f} s (arrange only {baseline:.1f} s, ratio {checked / baseline:.2f})"
        )
        for line in (result.failures + result.breaches)[:20]:
            print("  ", line)


if __name__ == "__main__":
    main()
