"""JSON Schemas of the API's bodies, for the OpenAPI document.

Every free text a client sends has a maxLength here, the same maximum its view enforces before anything is written
(tests/test_text_limits.py checks that no request text is left without one, and that the server refuses one more).
"""

_str = {"type": "string"}
_nstr = {"type": ["string", "null"]}
_int = {"type": "integer"}
_id = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # a database id (backend/guards.py)
_ids = {"type": "array", "items": _id, "maxItems": 20}  # Form.ids


def _obj(props: dict, required=None) -> dict:
    """An object of props; all of them required unless `required` names which (an empty list: none)."""
    return {"type": "object", "properties": props, "required": list(props if required is None else required)}


def _text(max_length: int, description=None, min_length=None) -> dict:
    """A free text a client sends, at most max_length characters (after trimming spaces)."""
    out = {"type": "string", "maxLength": max_length}
    if min_length:
        out["minLength"] = min_length
    return {**out, "description": description} if description else out


# The idempotency key in a body (backend/idempotency.py KEY_PATTERN).
CLIENT_ID = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$", "maxLength": 64}


REGION_REF = _obj({"code": _str, "name": _str, "level": _str})

SCHEMAS = {
    "Error": _obj({"error": _obj({"code": _str, "message": _str, "fields": {"type": "object"}})}),
    "Health": _obj({"status": _str, "database": _str, "db_ms": {"type": "number"}, "audit": _str}),
    "Login": _obj({"username": _text(64, min_length=1), "password": _text(200, min_length=1)}),
    "User": _obj(
        {
            "id": _int,
            "username": _str,
            "display_name": _str,
            "role": _str,
            "region": {"oneOf": [REGION_REF, {"type": "null"}]},
        }
    ),
    "Me": _obj(
        {
            "user": {"$ref": "#/components/schemas/User"},
            "csrf_token": _str,
            "must_change_password": {
                "type": "boolean",
                "description": "signed in with a one-time password: POST /api/v1/me/password before anything else",
            },
        }
    ),
    "Session": _obj(
        {
            "id": _int,
            "created_at": _str,
            "last_seen_at": _str,
            "expires_at": _str,
            "ip": _nstr,
            "user_agent": _nstr,
            "current": {"type": "boolean"},
        }
    ),
    "SessionList": _obj({"sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}}}),
    "Revoked": _obj({"revoked": _int}),
    "RegionRef": REGION_REF,
    "Region": _obj(
        {
            "code": _str,
            "name": _str,
            "level": _str,
            "parent": {"oneOf": [REGION_REF, {"type": "null"}]},
            "ancestors": {"type": "array", "items": REGION_REF},
            "children": {"type": "array", "items": REGION_REF},
            "has_boundary": {"type": "boolean"},
            "boundary": {"type": ["object", "null"], "description": "GeoJSON MultiPolygon with ?geometry=1"},
        },
        required=["code", "name", "level", "parent", "has_boundary"],
    ),
    "RegionList": _obj({"regions": {"type": "array", "items": REGION_REF}}),
    "GridAt": _obj(
        {"grid": {"oneOf": [REGION_REF, {"type": "null"}]}, "ancestors": {"type": "array", "items": REGION_REF}}
    ),
    "Address": _obj(
        {
            "code": _str,
            "full_text": _str,
            "road": _str,
            "door_number": _str,
            "compound": _nstr,
            "building": _nstr,
            "unit": _nstr,
            "floor": _nstr,
            "room": _nstr,
            "lon": {"type": "number"},
            "lat": {"type": "number"},
            "region": REGION_REF,
            "grid": {"oneOf": [REGION_REF, {"type": "null"}]},
        }
    ),
    "AddressHit": _obj(
        {
            "code": _str,
            "full_text": _str,
            "score": _int,
            "lon": {"type": "number"},
            "lat": {"type": "number"},
            "grid": {"oneOf": [REGION_REF, {"type": "null"}]},
        }
    ),
    "AddressSearch": _obj(
        {"query": _str, "results": {"type": "array", "items": {"$ref": "#/components/schemas/AddressHit"}}}
    ),
    # Login throttling (issue #14 item 14): an admin's unlock.
    "Unlocked": _obj({"cleared": {"type": "integer", "description": "failed logins no longer counted"}}),
    "Obligation": _obj(
        {"id": _int, "house_id": _int, "kind": _str, "due_date": _str, "state": _str},
    ),
    "ObligationList": _obj({"obligations": {"type": "array", "items": {"$ref": "#/components/schemas/Obligation"}}}),
    "Fulfil": _obj(
        {
            "via": {
                "enum": ["scan", "app"],
                "description": "scan (default when a token is given): done at the door, `token` required; "
                "app (default without a token): allowed for occupant_confirmation only",
            },
            "token": {
                "type": "string",
                "maxLength": 64,
                "description": "the scanned doorplate token of this house (via scan)",
            },
        },
        required=[],
    ),
    "Photo": _obj({"id": _int, "width": _int, "height": _int, "size": _int}),
    "VapidKey": _obj({"public_key": {"type": "string", "description": "base64url uncompressed P-256 point"}}),
    "PushSubscribe": _obj(
        {
            "endpoint": _text(1000, "https URL of the browser's push service"),
            "keys": _obj({"p256dh": _text(200), "auth": _text(200)}),
            "expirationTime": {"type": ["number", "null"]},
        },
        required=["endpoint", "keys"],
    ),
    "PushSubscription": _obj({"id": _int, "endpoint": _str, "created_at": _str}),
    "PushUnsubscribe": _obj({"endpoint": _text(1000)}),
    "Deleted": _obj({"deleted": _int}),
    "InboxMessage": _obj(
        {
            "id": _int,
            "title": _str,
            "body": _str,
            "url": _str,
            "notice_id": {"type": ["integer", "null"]},
            "created_at": _str,
            "read_at": _nstr,
        }
    ),
    "Inbox": _obj(
        {"messages": {"type": "array", "items": {"$ref": "#/components/schemas/InboxMessage"}}, "unread": _int}
    ),
}
