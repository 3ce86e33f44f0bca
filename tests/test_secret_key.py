"""create_app has no side effects: it reads instance/secret_key; `flask secret-key ensure` writes it."""

import stat

import pytest

import backend
from backend import create_app
from tests.conftest import TEST_CONFIG


@pytest.fixture
def fresh_clone(tmp_path, monkeypatch):
    """create_app with its instance folder in an empty directory, and no SECRET_KEY configured."""
    monkeypatch.setattr(backend, "ROOT", tmp_path)
    config = {**TEST_CONFIG, "SECRET_KEY": None, "DATABASE_URL": f"sqlite:///{tmp_path / 'menpai.db'}"}
    return tmp_path / "instance" / "secret_key", lambda: create_app(config)


def test_create_app_writes_nothing_and_refuses_requests_without_a_key(fresh_clone, caplog):
    path, make = fresh_clone
    app = make()
    assert not path.parent.exists()
    assert not app.config["SECRET_KEY"]
    assert app.test_client().get("/api/v1/me").status_code == 500
    assert "flask secret-key ensure" in caplog.text


def test_the_cli_writes_the_key_once_and_create_app_reads_it(fresh_clone):
    path, make = fresh_clone
    app = make()
    result = app.test_cli_runner().invoke(args=["secret-key", "ensure"])
    assert result.exit_code == 0, result.output
    key = path.read_text()
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key
    again = make()
    assert again.config["SECRET_KEY"] == key
    assert again.test_cli_runner().invoke(args=["secret-key", "ensure"]).exit_code == 0
    assert path.read_text() == key  # never rewritten
    assert again.test_client().get("/api/v1/me").status_code == 401


def test_a_configured_key_writes_no_file(fresh_clone):
    path, _ = fresh_clone
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path.parent.parent / 'menpai.db'}"})
    assert app.test_cli_runner().invoke(args=["secret-key", "ensure"]).exit_code == 0
    assert not path.exists() and app.config["SECRET_KEY"] == TEST_CONFIG["SECRET_KEY"]
