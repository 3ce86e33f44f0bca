"""Every text the code uses exists in both catalogs."""

import re
from pathlib import Path

from backend.i18n import catalog, languages

KEY = re.compile(r"""["'](?:error|reject|cli|page)\.[a-z_0-9.]+["']""")


def test_catalogs_have_the_same_keys():
    assert languages() == ["en", "zh-CN"]
    assert set(catalog("en")) == set(catalog("zh-CN"))


def test_every_key_used_in_the_code_is_translated():
    used = set()
    for path in Path("backend").rglob("*.py"):
        used |= {m.strip("\"'") for m in KEY.findall(path.read_text(encoding="utf-8"))}
    for path in Path("backend/templates").rglob("*.html"):
        used |= {m.strip("\"'") for m in KEY.findall(path.read_text(encoding="utf-8"))}
    missing = sorted(k for k in used if k not in catalog("zh-CN"))
    assert not missing
    assert len(used) > 60
