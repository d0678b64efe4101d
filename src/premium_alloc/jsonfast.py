"""JSON text of large results, byte for byte what :func:`json.dumps` gives, in linear time.

``json.dumps(obj, indent=1)`` runs the pure-Python encoder (the C one is used only without
``indent``): about 100 s for the 700k allocation rows of a national result. Here a list of
flat records (dicts of scalars with the same keys, such as the result's allocations) is
encoded column by column with one template per list, and everything else by ``json.dumps``
itself. :func:`dumps` equals ``json.dumps(obj, ensure_ascii=False, indent=indent,
separators=None if indent else (",", ":"))`` for every JSON-able ``obj``.

A list may also hold dataclass instances (flat, of one type): they are written as
``dataclasses.asdict`` would give them, read column by column without building the dicts.
And a :class:`Columns` stands for a list of flat dicts given column by column, with no object
per row at all; a :class:`Coded` column repeats a few distinct values (village ids, sources),
each encoded once.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Sequence
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

try:  # the C escaper behind json.dumps(ensure_ascii=False)
    from _json import encode_basestring as _escape
except ImportError:  # pragma: no cover - CPython always has _json
    from json.encoder import py_encode_basestring as _escape  # type: ignore[attr-defined,no-redef]

#: Lists shorter than this are left to json.dumps (the template costs more than it saves).
MIN_ROWS = 64

__all__ = ["Coded", "Columns", "dumps", "iter_dumps"]


class Coded:
    """A column of repeated values: row ``i`` holds ``values[codes[i]]``."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: Sequence[Any]) -> None:
        self.codes = np.asarray(codes, dtype=np.int64)
        self.values = list(values)

    def __len__(self) -> int:
        return int(self.codes.size)

    def tolist(self) -> list[Any]:
        """The column's values, one per row."""
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return table[self.codes].tolist()


class Columns:
    """A list of flat records given column by column: no object per row until :meth:`rows`.

    It encodes exactly as ``rows()`` would, that is ``[dict(zip(keys, r)) for r in zip(*columns)]``.
    A column is a list or 1-d numpy array of JSON scalars, or a :class:`Coded`. Consecutive
    coded columns that share one ``codes`` array are rendered once per distinct code.
    """

    __slots__ = ("keys", "columns")

    def __init__(self, keys: Sequence[str], columns: Sequence[Any]) -> None:
        if len(keys) != len(columns) or not keys:
            raise ValueError("one column per key, at least one key")
        if len({len(c) for c in columns}) != 1:
            raise ValueError("columns of different lengths")
        self.keys = tuple(keys)
        self.columns = list(columns)

    def __len__(self) -> int:
        return len(self.columns[0])

    def lists(self) -> list[list[Any]]:
        """Each column as a list of Python scalars."""
        return [c.tolist() if hasattr(c, "tolist") else list(c) for c in self.columns]

    def rows(self) -> list[dict[str, Any]]:
        """The records as dicts."""
        keys = self.keys
        return [dict(zip(keys, r)) for r in zip(*self.lists())]


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


def plain_value(v: Any) -> Any:
    return dataclasses.asdict(v) if _is_record(v) else v


def _default(v: Any) -> Any:
    """``json.dumps`` hook for what it cannot encode itself: record lists and dataclass rows."""
    if type(v) is Columns:
        return v.rows()
    if _is_record(v):
        return dataclasses.asdict(v)
    raise TypeError(f"Object of type {v.__class__.__name__} is not JSON serializable")


def _records(rows: list[Any]) -> tuple[str, ...] | None:
    """Keys of a list of flat dicts that all have the same keys (in order), else None."""
    if len(rows) < MIN_ROWS:
        return None
    if _is_record(rows[0]):
        cls = type(rows[0])
        if not all(type(r) is cls for r in rows):
            return None
        return tuple(f.name for f in dataclasses.fields(cls)) or None
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


def _encode_records(rows: list[Any], keys: tuple[str, ...], indent: int | None, depth: int) -> Iterator[str] | None:
    """A list of flat records (see :func:`_records`), encoded as the :class:`Columns` of its values."""
    get = attrgetter if _is_record(rows[0]) else itemgetter
    return _encode_columns(Columns(keys, [list(map(get(k), rows)) for k in keys]), indent, depth)


def _runs(columns: list[Any]) -> list[list[int]]:
    """Column indices grouped into runs: consecutive coded columns with the same codes, or one column."""
    runs: list[list[int]] = []
    for i, c in enumerate(columns):
        prev = columns[runs[-1][-1]] if runs else None
        if isinstance(c, Coded) and isinstance(prev, Coded) and prev.codes is c.codes:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _run_text(columns: list[Any], run: list[int], lead: list[str]) -> tuple[list[Any], str] | None:
    """Values of each row for one run of columns (its keys included), and the template piece for it."""
    first = columns[run[0]]
    if not isinstance(first, Coded):
        key = lead[run[0]].replace("%", "%%")
        kind = getattr(first, "dtype", None)
        if kind is not None and first.ndim == 1 and kind.kind in "iu":
            return first.tolist(), key + "%d"  # %d of an int is its repr: no string per value
        if kind is not None and first.ndim == 1 and kind.kind == "b":
            return np.array(["false", "true"], dtype=object)[first.astype(np.intp)].tolist(), key + "%s"
        text = _column(first.tolist() if hasattr(first, "tolist") else list(first))
        return (text, key + "%s") if text is not None else None
    used, inverse = np.unique(first.codes, return_inverse=True)
    pieces = np.empty(used.size, dtype=object)
    pieces[:] = ""
    for i in run:
        values = columns[i].values
        text = _column([values[k] for k in used.tolist()])
        if text is None:
            return None
        part = np.empty(used.size, dtype=object)
        part[:] = text
        pieces = pieces + lead[i] + part
    return pieces[inverse.ravel()].tolist(), "%s"


#: Rows encoded at a time: the text of a national result is written in pieces, not held whole.
CHUNK_ROWS = 1 << 16


def _encode_columns(obj: Columns, indent: int | None, depth: int) -> Iterator[str] | None:
    """JSON text of a :class:`Columns` in pieces, or None when a value is not a plain scalar."""
    keys = obj.keys
    if indent is None:
        lead = [("," if i else "") + _escape(k) + ":" for i, k in enumerate(keys)]
        start, end = "{", "}"
        sep, head, tail = ",", "[", "]"
    else:
        inner = "\n" + " " * (indent * (depth + 2))
        lead = [("," if i else "") + inner + _escape(k) + ": " for i, k in enumerate(keys)]
        start = " " * (indent * (depth + 1)) + "{"
        end = "\n" + " " * (indent * (depth + 1)) + "}"
        sep, head, tail = ",\n", "[\n", "\n" + " " * (indent * depth) + "]"
    texts, template = [], start.replace("%", "%%")
    for run in _runs(obj.columns):
        done = _run_text(obj.columns, run, lead)
        if done is None:
            return None
        texts.append(done[0])
        template += done[1]
    template += end.replace("%", "%%")
    return _chunks(template, texts, head, sep, tail)


def _chunks(template: str, texts: list[list[Any]], head: str, sep: str, tail: str) -> Iterator[str]:
    """``head + sep.join(template % row for row in zip(*texts)) + tail``, a chunk of rows at a time."""
    n = len(texts[0])
    for lo in range(0, n, CHUNK_ROWS):
        rows = zip(*(t[lo : lo + CHUNK_ROWS] for t in texts))
        yield (head if lo == 0 else sep) + sep.join([template % r for r in rows])
    yield tail


def _encode(obj: Any, indent: int | None, depth: int) -> Iterator[str]:
    if type(obj) is Columns:
        pieces = _encode_columns(obj, indent, depth) if len(obj) >= MIN_ROWS else None
        if pieces is None:
            obj = obj.rows()
        else:
            yield from pieces
            return
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
            pieces = _encode_records(obj, keys, indent, depth)
            if pieces is not None:
                yield from pieces
                return
        if any(map(_is_record, obj)):
            obj = [plain_value(v) for v in obj]
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
        yield json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default)
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=indent, default=_default)
        yield text.replace("\n", "\n" + " " * (indent * depth)) if depth else text


def iter_dumps(obj: Any, indent: int | None = None) -> Iterator[str]:
    """The text of :func:`dumps` in pieces (to write a large document without joining it)."""
    return _encode(obj, indent, 0)


def dumps(obj: Any, indent: int | None = None) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=indent, separators=...)``, faster on big record lists."""
    return "".join(_encode(obj, indent, 0))
