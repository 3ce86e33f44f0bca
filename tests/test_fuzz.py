"""Schemathesis against /api/openapi.json, with every role's session: no answer is a 5xx, every answer matches its
documented schema (status, content type, body).

The demo town (`flask demo seed`) is the world: real ids, plates, tenancies and notices for the generated cases to
hit. Each generated case is sent once anonymously and once as each demo account, so every operation is fuzzed both
inside and outside its roles. Writes really happen (the town changes as the fuzz goes); only the calls that would end
the fuzzer's own sessions are left out. Bounded: FUZZ_EXAMPLES cases per operation (MENPAI_FUZZ_EXAMPLES overrides),
derandomised so a CI failure reproduces. Runs in the PostgreSQL pass of CI (.ci/run); on SQLite with MENPAI_FUZZ=1.
"""

import os
import shutil
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.api.openapi import build_spec
from backend.demo.seed import ACCOUNTS, DEMO_PASSWORD, seed
from backend.extensions import db
from backend.fastpath import fastscan
from tests.conftest import PG_URL, _truncate_all, make_app

FUZZ_EXAMPLES = int(os.environ.get("MENPAI_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# They end a session of the fuzzer itself (its own, or every session of a user, the fuzz accounts included), or
# put a fuzz account behind a one-time password (a reset; a deactivation through the change of an account).
EXCLUDED = {
    "api_logout",
    "api_revoke_my_session",
    "api_revoke_user_sessions",
    "api_user_update",
    "api_user_reset_password",
}

pytestmark = pytest.mark.skipif(
    not PG_URL and not os.environ.get("MENPAI_FUZZ"),
    reason="the fuzz runs in the PostgreSQL pass (MENPAI_FUZZ=1: here)",
)


@pytest.fixture(scope="module")
def fuzz_app(database_template, tmp_path_factory):
    """The demo town in a database of its own for the whole module; logins never throttled."""
    folder = tmp_path_factory.mktemp("fuzz")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copy(database_template, folder / "menpai.db")
        url = f"sqlite:///{folder / 'menpai.db'}"
    never = 10**9
    app = make_app(
        url,
        LOGIN_FREE_FAILURES=never,
        LOGIN_MAX_FAILURES_PER_ACCOUNT=never,
        LOGIN_MAX_FAILURES_PER_IP=never,
        LOGIN_IP_SLOW_SECONDS=0,
    )
    app.instance_path = str(folder / "instance")
    with app.app_context():
        seed()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _truncate_all()
        db.engine.dispose()
    fastscan.dispose(app)


@pytest.fixture(scope="module")
def tally(request):
    """Counts what the fuzz sent; one line at the end of the module (pytest's terminal, not captured)."""
    counts = {"operations": 0, "cases": 0, "requests": 0, "started": time.monotonic()}
    yield counts
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter and capture and counts["operations"]:
        seconds = time.monotonic() - counts["started"]
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nfuzz: {counts['operations']} operations, {counts['cases']} cases, {counts['requests']} requests "
                f"({FUZZ_EXAMPLES} examples per operation at most), {seconds:.0f} s"
            )


@pytest.fixture(scope="module")
def callers(fuzz_app):
    """(name, cookies, headers) for anonymous and each demo account: its session cookie and CSRF token."""
    name = fuzz_app.config["SESSION_COOKIE_NAME"]
    out = [("anonymous", {}, {})]
    for username, _, _ in ACCOUNTS:
        client = fuzz_app.test_client()
        resp = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        cookie = client.get_cookie(name)
        out.append((username, {name: cookie.value}, {"X-CSRF-Token": resp.get_json()["csrf_token"]}))
    return out


def _operations():
    """The document's operations, read from an app that is never connected to a database (collection time)."""
    spec = build_spec(make_app("sqlite://"))
    loaded = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in loaded.get_all_operations()]
    return [op for op in operations if op.definition.raw["operationId"] not in EXCLUDED]


OPERATIONS = _operations()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_operation_answers_5xx_or_off_its_document(operation, fuzz_app, callers, tally):
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        tally["cases"] += 1
        tally["requests"] += len(callers)
        for _, cookies, headers in callers:
            response = case.call(app=fuzz_app, cookies=cookies, headers=headers)
            case.validate_response(response, checks=CHECKS)

    tally["operations"] += 1
    fuzz()
