"""A landed migration is never edited: scripts/check_migrations.sh against migrations/landed.sha256."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _check(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(root / "scripts" / "check_migrations.sh"), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def tree(tmp_path):
    """A copy of the script, the manifest and the migrations: a fresh clone without git history."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "check_migrations.sh", tmp_path / "scripts")
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_every_migration_of_this_tree_is_recorded_and_unchanged():
    assert _check(ROOT).returncode == 0
    listed = (ROOT / "migrations" / "landed.sha256").read_text()
    assert "4ffcee6538fe" in listed and "83f8f8fd5937" in listed


def test_an_edited_landed_migration_fails(tree):
    assert _check(tree).returncode == 0
    landed = sorted((tree / "migrations" / "versions").glob("*_4ffcee6538fe_*.py"))[0]
    landed.write_text(landed.read_text() + "\n# edited\n")
    result = _check(tree)
    assert result.returncode != 0
    assert "landed migration was edited" in result.stderr
    assert _check(tree, "--update").returncode != 0  # --update never re-records an edited file


def test_a_removed_landed_migration_fails(tree):
    next((tree / "migrations" / "versions").glob("*_c7e2a9d4b1f6_*.py")).unlink()
    assert _check(tree).returncode != 0


def test_a_new_migration_passes_and_update_records_it(tree):
    new = tree / "migrations" / "versions" / "20991231_2359_ffffffffffff_new.py"
    new.write_text('revision = "ffffffffffff"\n')
    assert _check(tree).returncode == 0
    assert _check(tree, "--update").returncode == 0
    assert new.name in (tree / "migrations" / "landed.sha256").read_text()
    new.write_text('revision = "ffffffffffff"\n# edited after landing\n')
    assert _check(tree).returncode != 0
