"""The reference data a phone of Noord pulls, as pull changes: for store tests
that need districts, themes and hotspots without a server."""

REFERENCE = [
    {
        "entity": "district",
        "op": "upsert",
        "id": "noord",
        "seq": 1,
        "data": {"code": "noord", "name": "Noord"},
    },
    {
        "entity": "theme",
        "op": "upsert",
        "id": "afval",
        "seq": 2,
        "data": {"code": "afval", "name": "Afval", "kind": "handhaving"},
    },
    {
        "entity": "hotspot",
        "op": "upsert",
        "id": "noord-a",
        "seq": 3,
        "data": {
            "code": "noord-a",
            "name": "Marsmanplein",
            "district": "noord",
            "themes": ["afval"],
            "lat": 52.397,
            "lon": 4.652,
        },
    },
    {
        "entity": "hotspot",
        "op": "upsert",
        "id": "noord-b",
        "seq": 4,
        "data": {
            "code": "noord-b",
            "name": "Zaanenpark",
            "district": "noord",
            "themes": ["honden"],
            "lat": 52.40,
            "lon": 4.63,
        },
    },
]
