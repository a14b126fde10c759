"""What every page's read model shares (cockpit/read/common.py)."""

from __future__ import annotations

from cockpit.read import common
from tests.read.stored import make_config


def test_unknown_service_names_it_and_the_services() -> None:
    config = make_config(2)
    assert common.unknown_service(config, None) is None  # no link: the picker chooses
    assert common.unknown_service(config, "svc-1") is None
    message = common.unknown_service(config, "svc-9")
    assert message is not None
    assert "'svc-9'" in message and "svc-0, svc-1" in message
