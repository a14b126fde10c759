"""Copy sample_data/cockpit.yaml into README.md's yaml block (the tests check they match)."""

import re
from pathlib import Path

root = Path(__file__).resolve().parent.parent
readme = root / "README.md"
sample = (root / "sample_data" / "cockpit.yaml").read_text()
text = readme.read_text()
readme.write_text(
    re.sub(r"```yaml\n.*?```", lambda _: f"```yaml\n{sample}```", text, count=1, flags=re.S)
)
