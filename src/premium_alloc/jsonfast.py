"""JSON text of large results, byte for byte what :func:`json.dumps` gives, in linear time.

``json.dumps(obj, indent=1)`` runs the pure-Python encoder (the C one is used only without
``indent``): about 100 s for the 700k allocation rows of a national result. Here a list of
flat records (dicts of scalars with the same keys, such as the result's allocations) is
encoded column by column with one template per list, and everything else by ``json.dumps``
itself. :func:`dumps` equals ``json.dumps(obj, ensure_ascii=False, indent=indent,
separators=None if indent else (",", ":"))`` for every JSON-able ``obj``.

A list may also hold dataclass instances (flat, of one type): they are written as
``dataclasses.asdict`` would give them, read column by column without building the dicts.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

try:  # the C escaper behind json.dumps(ensure_ascii=False)
    from _json import encode_basestring as _escape
except ImportError:  # pragma: no cover - CPython always has _json
    from json.encoder import py_encode_basestring as _escape  # type: ignore[attr-defined,no-redef]

#: Lists shorter than this are left to json.dumps (the template costs more than it saves).
MIN_ROWS = 64

__all__ = ["dumps", "iter_dumps"]


def _scalar(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _column(values: list[Any]) -> list[str] | None:
    """JSON text of each value of one column, or None when a value is not a plain scalar."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(map(_escape, values))
    if kinds == {int}:
        return list(map(int.__repr__, values))
    if kinds == {bool}:
        return ["true" if v else "false" for v in values]
    if kinds <= {int, float, bool, str, type(None)}:
        if float in kinds and not all(math.isfinite(v) for v in values if type(v) is float):
            return [_scalar(v) for v in values]  # NaN / Infinity as json.dumps spells them
        return [_scalar(v) if type(v) is not float else float.__repr__(v) for v in values]
    return None


def _is_record(v: Any) -> bool:
    return dataclasses.is_dataclass(v) and not isinstance(v, type)


def _plain(v: Any) -> Any:
    return dataclasses.asdict(v) if _is_record(v) else v


def _records(rows: list[Any]) -> tuple[str, ...] | None:
    """Keys of a list of flat dicts that all have the same keys (in order), else None."""
    if len(rows) < MIN_ROWS:
        return None
    if _is_record(rows[0]):
        cls = type(rows[0])
        if not all(type(r) is cls for r in rows):
            return None
        return tuple(f.name for f in dataclasses.fields(cls))
    if type(rows[0]) is not dict:
        return None
    keys = tuple(rows[0])
    if not keys or not all(type(k) is str for k in keys):
        return None
    n = len(keys)
    for r in rows:
        if type(r) is not dict or len(r) != n:
            return None
    if any(tuple(r) != keys for r in rows):
        return None
    return keys


def _encode_records(rows: list[dict[str, Any]], keys: tuple[str, ...], indent: int | None, depth: int) -> str | None:
    cols = []
    records = _is_record(rows[0])
    for k in keys:
        col = _column(list(map(attrgetter(k), rows)) if records else [r[k] for r in rows])
        if col is None:
            return None
        cols.append(col)
    if indent is None:
        template = "{" + ",".join(_escape(k).replace("%", "%%") + ":%s" for k in keys) + "}"
        sep = ","
        head, tail = "[", "]"
    else:
        inner = "\n" + " " * (indent * (depth + 2))
        template = "{" + ",".join(inner + _escape(k).replace("%", "%%") + ": %s" for k in keys) + "\n" + " " * (indent * (depth + 1)) + "}"
        row_pad = " " * (indent * (depth + 1))
        template = row_pad + template
        sep = ",\n"
        head, tail = "[\n", "\n" + " " * (indent * depth) + "]"
    return head + sep.join([template % t for t in zip(*cols)]) + tail


def _encode(obj: Any, indent: int | None, depth: int) -> Iterator[str]:
    if _is_record(obj):
        obj = dataclasses.asdict(obj)
    if type(obj) is dict and obj and all(type(k) is str for k in obj):
        if indent is None:
            yield "{"
            for i, (k, v) in enumerate(obj.items()):
                yield ("," if i else "") + _escape(k) + ":"
                yield from _encode(v, indent, depth + 1)
            yield "}"
        else:
            pad = "\n" + " " * (indent * (depth + 1))
            yield "{"
            for i, (k, v) in enumerate(obj.items()):
                yield ("," if i else "") + pad + _escape(k) + ": "
                yield from _encode(v, indent, depth + 1)
            yield "\n" + " " * (indent * depth) + "}"
        return
    if type(obj) is list and obj:
        keys = _records(obj)
        if keys is not None:
            text = _encode_records(obj, keys, indent, depth)
            if text is not None:
                yield text
                return
        if any(map(_is_record, obj)):
            obj = [_plain(v) for v in obj]
        if len(obj) >= MIN_ROWS:
            if indent is None:
                yield "["
                for i, v in enumerate(obj):
                    if i:
                        yield ","
                    yield from _encode(v, indent, depth + 1)
                yield "]"
            else:
                pad = "\n" + " " * (indent * (depth + 1))
                yield "["
                for i, v in enumerate(obj):
                    yield ("," if i else "") + pad
                    yield from _encode(v, indent, depth + 1)
                yield "\n" + " " * (indent * depth) + "]"
            return
    # anything else: json.dumps itself, shifted to this depth (JSON text has no raw newlines in strings)
    if indent is None:
        yield json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=indent)
        yield text.replace("\n", "\n" + " " * (indent * depth)) if depth else text


def iter_dumps(obj: Any, indent: int | None = None) -> Iterator[str]:
    """The text of :func:`dumps` in pieces (to write a large document without joining it)."""
    return _encode(obj, indent, 0)


def dumps(obj: Any, indent: int | None = None) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=indent, separators=...)``, faster on big record lists."""
    return "".join(_encode(obj, indent, 0))
