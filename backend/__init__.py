"""Menpai (门牌): signed QR doorplates and the rental-housing loop around them. The factory is `backend.app`."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the app (backend/app.py). Imported here lazily so that `import backend.x` does not load every feature."""
    from backend.app import create_app as build

    return build(test_config)
