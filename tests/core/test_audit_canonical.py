"""The audit chain's canonical text and digests never change.

Every entry already in a trail was hashed over this text: a change of a single byte
would make every stored entry fail verification (and the seeding that writes entries
with COPY computes the same text). The expected bytes and digests below were computed
by the implementation in use before verification was made faster, under the
development key; the property test compares the current implementation (and the
one verification uses on stored rows) with that earlier one, kept here verbatim,
over generated content.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import json
import uuid
import zoneinfo

from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.core.audit_hashing import CONTENT_FIELDS, ChainKeys, StoredCanonical, canonical, keyed, link, micros

LONDON = zoneinfo.ZoneInfo("Europe/London")

PINNED = [
    (
        {
            "timestamp": datetime.datetime(2024, 3, 31, 0, 59, 59, 999999, tzinfo=datetime.UTC),
            "content_type_id": 7,
            "object_pk": "42",
            "object_repr": "Census 2021 microdata",
            "action": 1,
            "changes": {"name": ["Old", "New"], "classification": ["OFFICIAL", "OFFICIAL-SENSITIVE"]},
            "actor_id": 3,
            "actor_email": "iam@example.gov.uk",
            "remote_addr": "192.0.2.10",
            "cid": "c0ffee",
            "scope": "asset:42",
            "business_area_id": 2,
            "reason": "Annual review",
            "additional_data": None,
        },
        b"timestamp=2024-03-31T00:59:59.999999Z\x1fcontent_type_id=7\x1fobject_pk=42\x1fobject_repr=Census 2021"
        b' microdata\x1faction=1\x1fchanges={"classification":["OFFICIAL","OFFICIAL-SENSITIVE"],"name":["Old","New"]}'
        b"\x1factor_id=3\x1factor_email=iam@example.gov.uk\x1fremote_addr=c000020a\x1fcid=c0ffee\x1fscope=asset:42"
        b"\x1fbusiness_area_id=2\x1freason=Annual review\x1fadditional_data=null",
        "3a434fdb524dfab4dedf810be62e4d53e2e2348f75809390b59e009ed9f22374",
        "ee6733efd3022f83c26e9c9f781ef4cd509b7ce56f021da597ddced01363c222",
    ),
    (
        {
            "timestamp": datetime.datetime(2025, 7, 1, 13, 5, 0, tzinfo=LONDON),
            "content_type_id": 12,
            "object_pk": "a1b2",
            "object_repr": "Zo\u00eb\u2019s grant \u2014 \u201crevoked\u201d",
            "action": 2,
            "changes": {
                "ünïcode": ["é", "中文"],
                "b": [None, True],
                "a": [1.5, 10**20],
                "nested": {"z": 1, "y": [2, {"x": '\u2028\n\t"'}]},
            },
            "actor_id": None,
            "actor_email": "",
            "remote_addr": "2001:DB8::0:1",
            "cid": None,
            "scope": "",
            "business_area_id": None,
            "reason": "",
            "additional_data": {"via": "api", "api_token": "k1", "scope": "grant:9"},
        },
        b"timestamp=2025-07-01T12:05:00.000000Z\x1fcontent_type_id=12\x1fobject_pk=a1b2\x1fobject_repr=Zo\xc3\xab"
        b"\xe2\x80\x99s grant \xe2\x80\x94 \xe2\x80\x9crevoked\xe2\x80\x9d\x1faction=2\x1fchanges="
        b'{"a":[1.5,100000000000000000000],"b":[null,true],"nested":{"y":[2,{"x":"\xe2\x80\xa8\\n\\t\\""}],"z":1},'
        b'"\xc3\xbcn\xc3\xafcode":["\xc3\xa9","\xe4\xb8\xad\xe6\x96\x87"]}\x1factor_id=\x1factor_email='
        b"\x1fremote_addr=20010db8000000000000000000000001\x1fcid=\x1fscope=\x1fbusiness_area_id=\x1freason="
        b'\x1fadditional_data={"api_token":"k1","scope":"grant:9","via":"api"}',
        "4d3949f1fc324488baa4b3f6e4205542dd81a573d5273e81009b8a36844285a5",
        "90b9b0ec48ebe7ae962f27688112e1b29edb3c874818c9514d026fece9e778f6",
    ),
    (
        {
            "timestamp": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
            "content_type_id": 1,
            "object_pk": "1",
            "object_repr": "",
            "action": 0,
            "changes": {},
            "actor_id": 1,
            "actor_email": "a@b",
            "remote_addr": None,
            "cid": "",
            "scope": "x",
            "business_area_id": 0,
            "reason": "r\x1fs",
            "additional_data": {},
        },
        b"timestamp=2000-01-01T00:00:00.000000Z\x1fcontent_type_id=1\x1fobject_pk=1\x1fobject_repr=\x1faction=0"
        b"\x1fchanges={}\x1factor_id=1\x1factor_email=a@b\x1fremote_addr=\x1fcid=\x1fscope=x\x1fbusiness_area_id=0"
        b"\x1freason=r\x1fs\x1fadditional_data={}",
        "d59fe3f5f7d1edd5b72658d6cebebfe68fc36395211e12c45abe31b658b1e050",
        "82a1a7cad045e71d88a9d5b51ac2535576021b3bd4e643f1b6ad257db0537e66",
    ),
]


def stored(values: dict) -> list:
    """An entry's content as verification reads it: the time in microseconds, the rest in order."""
    return [micros(values["timestamp"]), *(values[name] for name in CONTENT_FIELDS[1:])]


def test_pinned_entries_keep_their_canonical_bytes_and_digests():
    text_of, keys = StoredCanonical(), ChainKeys()
    for values, text, content_hash, digest in PINNED:
        for from_database in (False, True):
            assert canonical(values, from_database=from_database).encode() == text
        assert text_of(*stored(values)).encode() == text
        assert keyed("dev", text.decode()) == keys.keyed("dev", text.decode()) == content_hash
        assert link("dev", 5, content_hash, "ab" * 32) == keys.link("dev", 5, content_hash, "ab" * 32) == digest


def test_values_written_from_python_are_normalised_as_before():
    """Dates, decimals and ids in ``changes`` are spelled as the JSON column spells them."""
    values = {
        "timestamp": datetime.datetime(
            2023, 11, 5, 9, 30, 15, 250, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
        ),
        "content_type_id": 3,
        "object_pk": "9",
        "object_repr": "Contract RC-9",
        "action": 1,
        "changes": {
            "due": [datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 12, 0, 0, 123456, tzinfo=datetime.UTC)],
            "amount": [decimal.Decimal("10.50"), None],
            "ref": [str(uuid.UUID(int=1)), uuid.UUID(int=2)],
            "pair": ("a", "b"),
        },
        "actor_id": 5,
        "actor_email": "cm@example.gov.uk",
        "remote_addr": "::ffff:192.0.2.1",
        "cid": "cid-1",
        "scope": "contract:9",
        "business_area_id": 4,
        "reason": "",
        "additional_data": {"via": "scim"},
    }
    text = canonical(values)
    assert text.encode() == (
        b"timestamp=2023-11-05T14:30:15.000250Z\x1fcontent_type_id=3\x1fobject_pk=9\x1fobject_repr=Contract RC-9"
        b'\x1faction=1\x1fchanges={"amount":["10.50",null],"due":["2024-02-29","2024-02-29T12:00:00.123Z"],'
        b'"pair":["a","b"],"ref":["00000000-0000-0000-0000-000000000001","00000000-0000-0000-0000-000000000002"]}'
        b"\x1factor_id=5\x1factor_email=cm@example.gov.uk\x1fremote_addr=00000000000000000000ffffc0000201"
        b'\x1fcid=cid-1\x1fscope=contract:9\x1fbusiness_area_id=4\x1freason=\x1fadditional_data={"via":"scim"}'
    )
    assert keyed("dev", text) == "9630c2b5e1763c776a0565de8cdb1248271f76505e78459d346e1a2ae87e5cb9"


# --- the earlier implementation, verbatim, as the reference ------------------------------------


def _earlier_json(value, *, from_database: bool = False) -> str:
    plain = from_database or value is None
    normal = value if plain else json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _earlier_canonical(values: dict, *, from_database: bool = False) -> str:
    parts = []
    for name in CONTENT_FIELDS:
        value = values.get(name)
        if name == "timestamp":
            text = values[name].astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif name in ("changes", "additional_data"):
            text = _earlier_json(value, from_database=from_database)
        elif name == "remote_addr" and value:
            text = ipaddress.ip_address(value).packed.hex()
        else:
            text = "" if value is None else str(value)
        parts.append(f"{name}={text}")
    return "\x1f".join(parts)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_addresses = st.none() | st.just("") | st.ip_addresses().map(str)
_times = st.datetimes(
    min_value=datetime.datetime(1970, 1, 2),
    max_value=datetime.datetime(2200, 1, 1),
    timezones=st.sampled_from([datetime.UTC, LONDON, datetime.timezone(datetime.timedelta(hours=5, minutes=30))]),
)
_text = st.none() | st.text(max_size=20)
_ids = st.none() | st.integers(min_value=0, max_value=2**40)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    timestamp=_times,
    changes=st.none() | _json_values,
    additional_data=st.none() | _json_values,
    remote_addr=_addresses,
    texts=st.tuples(_text, _text, _text, _text, _text, _text),
    ids=st.tuples(_ids, _ids, _ids, _ids),
)
def test_canonical_text_is_the_earlier_text(timestamp, changes, additional_data, remote_addr, texts, ids):
    object_pk, object_repr, actor_email, cid, scope, reason = texts
    content_type_id, action, actor_id, business_area_id = ids
    values = {
        "timestamp": timestamp,
        "content_type_id": content_type_id,
        "object_pk": object_pk,
        "object_repr": object_repr,
        "action": action,
        "changes": changes,
        "actor_id": actor_id,
        "actor_email": actor_email,
        "remote_addr": remote_addr,
        "cid": cid,
        "scope": scope,
        "business_area_id": business_area_id,
        "reason": reason,
        "additional_data": additional_data,
    }
    for from_database in (False, True):
        assert canonical(values, from_database=from_database) == _earlier_canonical(values, from_database=from_database)
    assert StoredCanonical()(*stored(values)) == _earlier_canonical(values, from_database=True)
