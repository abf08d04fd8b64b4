"""Make the repository root importable so tests can use the model recipe (models/).

models/ is not an installed package; once pyproject's pytest options set
``pythonpath = ["."]`` this becomes a no-op.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
