"""API conventions: OpenAPI for every route, one error shape, health check."""

from openapi_spec_validator import validate

from backend.api.routing import DOCS


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented, (path, method)
    assert len(documented) == len(DOCS)


def test_protected_routes_say_so_in_the_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "security" in spec["paths"]["/api/v1/me"]["get"]
    assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]
    assert "401" in spec["paths"]["/api/v1/addresses"]["get"]["responses"]


def test_healthz_checks_the_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_healthz_reports_an_unreachable_database(tmp_path):
    from tests.conftest import make_app

    app = make_app("postgresql://nobody@127.0.0.1:1/none")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["status"] == "unavailable"


def test_errors_share_one_shape_and_speak_the_users_language(client):
    for resp in (client.get("/api/v1/nothing-here"), client.get("/api/v1/me"), client.delete("/api/v1/me")):
        error = resp.get_json()["error"]
        assert set(error) == {"code", "message", "fields"}
    assert client.get("/api/v1/me").get_json()["error"]["message"] == "请先登录。"
    assert "请先登录" in client.get("/api/v1/me").get_data(as_text=True)  # not \\u-escaped
    english = client.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.get_json()["error"]["message"] == "Please log in first."


def test_bad_limit_is_a_field_error(world, auth, make_user):
    auth.login(make_user("landlord"))
    resp = auth.client.get("/api/v1/addresses?q=解放街&limit=500")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["fields"] == {"limit": "超出允许范围。"}


def test_address_detail_has_components_point_region_and_grid(world, auth, make_user):
    auth.login(make_user("landlord"))
    body = auth.client.get("/api/v1/addresses/A1-1").get_json()
    assert body["full_text"] == "浙江省温州市平阳县昆阳镇西门社区解放街12号3幢2单元301室"
    assert (body["building"], body["unit"], body["room"]) == ("3", "2", "301")
    assert (body["lon"], body["lat"]) == (120.505, 27.61)
    assert body["grid"]["code"] == "330326100001001" and body["region"]["name"] == "西门社区"
    assert auth.client.get("/api/v1/addresses/NOPE").status_code == 404


def test_index_page_renders_in_both_languages(client):
    assert "门牌" in client.get("/").get_data(as_text=True)
    assert "QR doorplates" in client.get("/?lang=en").get_data(as_text=True)
