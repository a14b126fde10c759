"""How the Streamlit cockpit is started (``cockpit ui``, the demo)."""

from __future__ import annotations

from pathlib import Path

STREAMLIT_APP = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


def streamlit_flags(port: int, host: str) -> list[str]:
    return [
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
