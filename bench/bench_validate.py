"""``cockpit validate`` on a big config: 2,000 services made from the sample config's two.

    .venv/bin/python bench/bench_validate.py [--services 2000] [--repeat 3] [--baseline]

Prints the machine (CPU model and cores), the config's size and the median wall time of
``load_config`` (read, parse, check, validate: all that ``cockpit validate`` does but print).
``--baseline`` also times one ``yaml.load`` with PyYAML's pure-Python SafeLoader on the same
text, for scale: the parse alone that the loader did twice before it used the C one. Nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cockpit.config.loader import load_config

SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "sample_data" / "cockpit.yaml"
SERVICE_START = re.compile(r"^  - name: (?P<name>\S+)$", re.MULTILINE)


def big_config(services: int = 2000) -> str:
    """The sample config with its services repeated in turn, each copy renamed
    ``<name>-<copy>``, until there are ``services``; everything else as in the sample."""
    text = SAMPLE_CONFIG.read_text()
    head, rest = text.split("\nservices:\n", 1)
    body, tail = rest.split("\nnotifiers:\n", 1)
    starts = [m.start() for m in SERVICE_START.finditer(body)]
    blocks = [body[a:b].rstrip("\n") for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    copies = []
    for i in range(services):
        block = blocks[i % len(blocks)]
        copies.append(SERVICE_START.sub(rf"  - name: \g<name>-{i // len(blocks):04d}", block, 1))
    return f"{head}\nservices:\n" + "\n\n".join(copies) + f"\n\nnotifiers:\n{tail}"


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    text = big_config(args.services)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cockpit.yaml"
        path.write_text(text)
        print(
            f"config: {args.services:,} services, {len(text.encode()) / 1e6:.1f} MB, "
            f"{text.count(chr(10)):,} lines"
        )
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            config = load_config(path)
            seconds.append(time.perf_counter() - started)
        assert len(config.services) == args.services
        runs = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"load_config: {statistics.median(seconds):.2f} s median of {args.repeat} ({runs})")
    if args.baseline:
        started = time.perf_counter()
        yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - the safe loader
        print(
            f"for scale, yaml.load with the pure-Python SafeLoader: {time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
