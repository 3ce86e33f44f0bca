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
NOTICE_ITEMS = {
    "type": "array",
    "maxItems": 30,
    "items": _obj({"description": _text(500, min_length=2), "standard": _text(500)}, required=["description"]),
}

SCHEMAS = {
    "Error": _obj({"error": _obj({"code": _str, "message": _str, "fields": {"type": "object"}})}),
    "DoorplateCard": _obj(
        {
            "address": _str,
            "short_code": _str,
            "doorplate_state": _str,
            "colour": {"enum": ["grey", "green", "yellow", "red"]},
            "house_status": _str,
            "registered": {"type": "boolean"},
            "accepts_check_in": {"type": "boolean"},
            "max_occupants": {"type": ["integer", "null"]},
            "notices": {
                "type": "array",
                "items": _obj(
                    {
                        "kind": _str,
                        "title": _str,
                        "deadline": _nstr,
                        "days_left": {"type": ["integer", "null"]},
                        "status": _str,
                    }
                ),
            },
        }
    ),
    "DoorplateScan": _obj(
        {
            "result": _str,
            "token": _str,
            "card": {"$ref": "#/components/schemas/DoorplateCard"},
            "house": {"type": "object", "description": "staff in scope and the landlord only"},
            "doorplate": {"type": "object", "description": "staff in scope and the landlord only"},
        },
        required=["result", "token", "card"],
    ),
    "DoorplateRevoke": _obj(
        {
            "reason": {"enum": ["lost", "damaged", "moved", "withdrawn", "other"]},
            "note": {"type": ["string", "null"], "maxLength": 200},
        },
        required=["reason"],
    ),
    "DoorplatePrint": {
        **_obj(
            {
                "region": _text(15, "a region code in your scope"),
                "houses": {
                    "type": "array",
                    "items": _id,
                    "minItems": 1,
                    "maxItems": 10000,
                    "description": "or: house ids",
                },
                "size": {"enum": [40, 75, 120], "description": "mm, default 75"},
            },
            required=[],
        ),
        "description": "exactly one of region or houses",
        "oneOf": [
            {"required": ["region"], "not": {"required": ["houses"]}},
            {"required": ["houses"], "not": {"required": ["region"]}},
        ],
    },
    "HouseDeclare": _obj(
        {
            "address_code": _text(40, "a standard address code (from /addresses search)"),
            "unit_label": _text(40, "the part let, '' for all of it"),
            "rooms": _int,
            "floor_area": {"type": "number"},
            "max_occupants": _int,
            "rent_type": {"enum": ["whole", "shared", "rooms"]},
            "fire_self_check": {
                "type": "object",
                "additionalProperties": {"type": "boolean"},
                "description": "checklist item id -> true/false (see checklists.json)",
            },
            "photos": _ids,
            "client_id": CLIENT_ID,
        },
        required=["address_code", "rooms", "floor_area", "max_occupants", "rent_type", "fire_self_check"],
    ),
    "HouseCard": _obj(
        {
            "id": _int,
            "address": _str,
            "address_code": _str,
            "unit_label": _str,
            "scope_code": _str,
            "status": _str,
            "colour": {"enum": ["grey", "green", "yellow", "red"]},
            "rent_type": _nstr,
            "rooms": {"type": ["integer", "null"]},
            "floor_area": {"type": ["number", "null"]},
            "max_occupants": {"type": ["integer", "null"]},
            "occupants_count": _int,
            "fire_self_check": {"type": ["object", "null"], "description": "checklist item id -> true/false"},
            "doorplate": _obj({"state": _str, "version": _int, "short_code": _str, "printed_at": _nstr}),
            "occupants": {"type": "array", "items": {"type": "object"}, "description": "masked"},
            "obligations": {
                "type": "array",
                "items": _obj({"id": _int, "kind": _str, "due_date": _nstr, "state": _str}),
            },
            "notices": {
                "type": "array",
                "items": _obj({"kind": _str, "title": _str, "deadline": _nstr, "status": _str}),
            },
            "scans_total": _int,
        }
    ),
    "HouseTimeline": _obj(
        {
            "events": {
                "type": "array",
                "items": {"type": "object"},
                "description": "newest first, each with at (ISO 8601) and kind",
            },
            "next_before": {"type": ["string", "null"], "description": "before= of the next page; null: the last"},
        }
    ),
    "HouseList": _obj({"houses": {"type": "array", "items": {"type": "object"}}}),
    "TaskList": _obj({"tasks": {"type": "array", "items": {"type": "object"}}}),
    "Verify": _obj(
        {
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "accuracy": {"type": "number", "description": "metres, as the phone reports it"},
            "outcome": {
                "enum": ["approved", "rejected", "needs_fix"],
                "description": "an approval with no fix (lat and lon left out) or from too far goes to review",
            },
            "checklist": {"type": "object"},
            "reasons": {"type": "array", "items": _text(200, min_length=1), "maxItems": 20},
            "note": _text(500),
            "photos": _ids,
            "client_id": CLIENT_ID,
        },
        required=["outcome", "checklist"],
    ),
    "Verification": _obj(
        {
            "id": _int,
            "house_id": _int,
            "outcome": {"enum": ["approved", "rejected", "needs_fix", "needs_review"]},
            "distance_m": {"type": ["number", "null"], "description": "null: no GPS fix"},
            "accuracy_m": {"type": ["number", "null"]},
            "flagged": {"type": "boolean"},
            "flags": {"type": "array", "items": _str},
        }
    ),
    # Verification review (issue #14 item 7): far or fixless approvals wait for the township supervisor.
    "ReviewList": _obj({"reviews": {"type": "array", "items": {"type": "object"}}}),
    "Review": _obj(
        {
            "decision": {"enum": ["approved", "sent_back"]},
            "reason": {"type": "string", "maxLength": 500, "description": "required to send back"},
        },
        required=["decision"],
    ),
    "ReviewDecision": _obj({"task_id": _int, "decision": _str, "reason": {"type": ["string", "null"]}}),
    "NoticeIssue": _obj(
        {
            "kind": {"enum": ["reminder", "rectification", "penalty"]},
            "title": _text(200),
            "body": _text(5000),
            "legal_basis": _text(500, "rectification and penalty"),
            "deadline": {"type": "string", "format": "date", "description": "rectification"},
            "items": NOTICE_ITEMS,
            "amount": {"type": "number", "description": "penalty, yuan"},
            "decision_number": _text(64, "penalty"),
            "client_id": CLIENT_ID,
        },
        required=["kind", "title"],
    ),
    "Notice": _obj(
        {
            "id": _int,
            "house_id": _int,
            "kind": _str,
            "status": _str,
            "title": _str,
            "deadline": _nstr,
            "days_left": {"type": ["integer", "null"]},
            "items": {"type": "array", "items": {"type": "object"}},
        },
        required=["id", "house_id", "kind", "status", "title"],
    ),
    "NoticeList": _obj({"notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}}}),
    "Evidence": _obj(
        {
            "items": {
                "type": "array",
                "items": _obj(
                    {"item_id": _int, "note": _text(1000, min_length=1), "photos": {"type": "array", "items": _id}}
                ),
            },
            "client_id": CLIENT_ID,
        },
        required=["items"],
    ),
    "Reinspect": _obj(
        {
            "results": {
                "type": "object",
                "additionalProperties": {"enum": ["passed", "failed"]},
                "description": "item id -> passed | failed",
            },
            "deadline": {"type": "string", "format": "date", "description": "for the failed items"},
            "client_id": CLIENT_ID,
        },
        required=["results"],
    ),
    "Reinspection": _obj(
        {"notice": {"$ref": "#/components/schemas/Notice"}, "follow_up": {"type": ["object", "null"]}}
    ),
    "Escalate": _obj(
        {
            "house_action": {"enum": ["suspend", "close", None]},
            "penalty": {"type": ["object", "null"], "description": "a NoticeIssue of a penalty (kind may be left out)"},
            "client_id": CLIENT_ID,
        },
        required=[],
    ),
    "NoticeClose": _obj({"outcome": {"enum": ["resolved", "cancelled"]}}),
    "HouseStatus": _obj({"status": {"enum": ["suspended", "closed", "active"]}, "reason": _text(300, min_length=4)}),
    "HouseStatusResult": _obj({"id": _int, "status": _str, "occupants_count": _int}),
    "NoticesDelivered": _obj({"ids": {"type": "array", "items": _int, "maxItems": 500}}),
    "NoticesDeliveredResult": _obj({"delivered": _int}),
    "CampaignRun": _obj(
        {
            "region": _text(15),
            "kind": {"enum": ["reminder", "rectification"]},
            "title": _text(200),
            "body": _text(5000),
            "deadline": {"type": "string", "format": "date", "description": "rectification"},
            "legal_basis": _text(500, "rectification"),
            "items": NOTICE_ITEMS,
        },
        required=["region", "kind", "title"],
    ),
    "CampaignResult": _obj(
        {
            "campaign_id": _int,
            "houses": _int,
            "issued_now": _int,
            "already_reached": _int,
            "results": {"type": "array", "items": {"type": "object"}},
        }
    ),
    "HouseCounts": _obj(
        {
            "total": _int,
            "by_status": {"type": "object", "additionalProperties": _int},
            "by_colour": {"type": "object", "additionalProperties": _int},
        }
    ),
    "CockpitChild": _obj(
        {
            "code": _str,
            "name": _str,
            "level": _str,
            "houses": {"$ref": "#/components/schemas/HouseCounts"},
            "tenants": _obj({"active": _int}),
        }
    ),
    "CockpitSummary": _obj(
        {
            "region": {"oneOf": [REGION_REF, {"type": "null"}]},
            "period": _obj({"from": _str, "to": _str}),
            "houses": {"$ref": "#/components/schemas/HouseCounts"},
            "tenants": _obj({"active": _int, "check_ins": _int, "check_outs": _int}),
            "verification": _obj(
                {
                    "backlog": _int,
                    "verified": _int,
                    "hours_to_verify": _obj(
                        {"median": {"type": ["number", "null"]}, "p90": {"type": ["number", "null"]}}
                    ),
                }
            ),
            "doorplates": _obj(
                {"pending": _int, "active": _int, "revoked": _int, "printed": _int, "revocations": _int}
            ),
            "notices": _obj({"open": _int, "overdue": _int, "closed": _int}),
            "obligations": _obj({"overdue": _int}),
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/CockpitChild"}},
        }
    ),
    "CockpitTrends": _obj(
        {
            "region": {"oneOf": [REGION_REF, {"type": "null"}]},
            "period": _obj({"from": _str, "to": _str}),
            "bucket": {"type": "string", "enum": ["day", "week", "month"]},
            "buckets": {"type": "array", "items": _obj({"start": _str, "end": _str})},
            "series": {
                "type": "object",
                "description": "measure -> one value per bucket (flows: events in the bucket; active_tenants, "
                "registered_houses: the level at the bucket's end)",
                "additionalProperties": {"type": "array", "items": _int},
            },
        }
    ),
    "CockpitHeatmap": _obj(
        {
            "region": {"oneOf": [REGION_REF, {"type": "null"}]},
            "measure": _str,
            "cell": {"type": "number", "description": "cell side, degrees"},
            "cells": {
                "type": "array",
                "description": "[lon, lat, count]: the cell's centre (WGS84) and its count",
                "items": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
            },
            "total": _int,
            "suppressed": _obj({"cells": _int, "count": _int}),
            "min_count": _int,
        }
    ),
    "CockpitGrids": _obj(
        {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "measure": _str,
            "features": {
                "type": "array",
                "items": _obj(
                    {
                        "type": _str,
                        "properties": _obj({"code": _str, "name": _str, "value": _int}),
                        "geometry": {"type": "object"},
                    }
                ),
            },
        }
    ),
    "CockpitAlert": _obj(
        {
            "kind": _str,
            "reason": {"type": "string", "description": "machine reason code"},
            "text": {"type": "string", "description": "the reason in the request's language"},
            "house": _obj({"id": _int, "address": _str, "unit_label": _str, "scope_code": _str, "colour": _str}),
            "numbers": {"type": "object", "description": "the figures behind the alert"},
        }
    ),
    "CockpitAlerts": _obj(
        {
            "counts": {"type": "object", "additionalProperties": _int},
            "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/CockpitAlert"}},
            # A county and above read the alerts of the last refresh: its instant; null when evaluated live.
            "as_of": {"type": ["string", "null"]},
        }
    ),
    "CockpitVisits": _obj(
        {
            "worker": _obj({"id": _int, "display_name": _str, "grid": _str}),
            "start": _obj({"lon": {"type": "number"}, "lat": {"type": "number"}}),
            "until": _str,
            "total_m": {"type": "number"},
            "stops": {
                "type": "array",
                "items": _obj(
                    {
                        "order": _int,
                        "leg_m": {"type": "number"},
                        "house": {"type": "object"},
                        "reasons": {"type": "array", "items": {"type": "object"}},
                    }
                ),
            },
        }
    ),
    "CockpitTenants": _obj(
        {
            "masked": {"type": "boolean"},
            "tenants": {
                "type": "array",
                "items": _obj(
                    {
                        "tenancy_id": _int,
                        "house_id": _int,
                        "address": _str,
                        "unit_label": _str,
                        "room": _nstr,
                        "move_in": _str,
                        "name": _str,
                        "id_number": _str,
                        "phone": _str,
                    }
                ),
            },
        }
    ),
    # The audit log read back (backend/cockpit/auditlog.py).
    "AuditLog": _obj(
        {
            "kind": {"enum": ["reveal", "all"]},
            "next": {"type": ["integer", "null"]},
            "events": {
                "type": "array",
                "items": _obj(
                    {
                        "id": _int,
                        "at": _str,
                        "actor": {
                            "oneOf": [
                                _obj({"id": _int, "name": _nstr, "role": _nstr}),
                                {"type": "null"},
                            ]
                        },
                        "action": _str,
                        "target": _obj({"type": _nstr, "id": _nstr}),
                        "person_id": {"type": ["integer", "null"]},
                        "house_id": {"type": ["integer", "null"]},
                        "region_code": _nstr,
                        "reason": _nstr,
                        "ip": _nstr,
                        "details": {"type": "object"},
                    }
                ),
            },
        }
    ),
}
