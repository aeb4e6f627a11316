"""The API's JSON parser: DRF's, with the nesting of a body bounded before it is parsed.

Python's JSON decoder recurses once per level of nesting, so a small body nested
100,000 deep raises ``RecursionError`` (a 500) instead of a parse error. The
portal's records are at most a few levels deep; a body nested deeper than
``MAX_DEPTH`` is refused with 400 in the API's usual ``{"detail": ...}`` form.
"""

from __future__ import annotations

import io
import re
from itertools import accumulate
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]+|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings not counted)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b'""', body))
    if not brackets:
        return 0
    return max(accumulate(_STEP[byte] for byte in brackets))


class BoundedJSONParser(JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = stream.read() if stream is not None else b""
        if nesting_depth(body) > self.max_depth:
            raise ParseError(f"JSON parse error - the body is nested more than {self.max_depth} levels deep")
        return super().parse(io.BytesIO(body), media_type, parser_context)
