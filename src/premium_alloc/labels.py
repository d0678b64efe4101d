"""Labels in English or Bahasa Indonesia for tables, workbook headers and plots.

The words are data (``data/labels.yaml``): a column key maps to ``{en: ..., id: ...}``.
A key without an entry keeps its own name, so new columns never break a table.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from .ids import shown

if TYPE_CHECKING:
    import pandas as pd

Lang = Literal["en", "id"]
LANGS: tuple[str, ...] = ("en", "id")


#: Sections of labels.yaml that are not ``key: {en: ..., id: ...}`` tables.
_NESTED = ("vocabulary", "messages", "message_patterns", "cli_help")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    import yaml  # here, not at the top: a command's --help should not pay for it

    text = resources.files("premium_alloc").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return dict(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506 - safe, in C when PyYAML has libyaml


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, dict[str, str]]]:
    """The packaged labels table: ``{"columns": ..., "sheets": ..., "words": ...}``."""
    return {
        section: {str(k): {str(lk): str(lv) for lk, lv in v.items()} for k, v in entries.items()}
        for section, entries in _data().items()
        if section not in _NESTED
    }


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a known language, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def label(key: str, lang: str = "en", section: str = "columns") -> str:
    """The label of ``key`` in ``lang`` (``key`` itself when the table has no entry)."""
    check_lang(lang)
    return table().get(section, {}).get(key, {}).get(lang, key)


def word(key: str, lang: str = "en") -> str:
    """A word or phrase of the ``words`` section (titles, axes, reasons)."""
    return label(key, lang, "words")


def sheet(key: str, lang: str = "en") -> str:
    """A workbook sheet name (at most 31 characters, as Excel requires)."""
    return label(key, lang, "sheets")[:31]


def relabel(df: pd.DataFrame, lang: str | None = "en") -> pd.DataFrame:
    """A copy of ``df`` with its columns (and index name) in ``lang`` (``None``: unchanged keys)."""
    if lang is None:
        return df
    check_lang(lang)
    out = df.rename(columns={c: label(str(c), lang) for c in df.columns})
    if out.index.name is not None:
        out.index.name = label(str(out.index.name), lang)
    return out


def reverse(section: str = "columns") -> dict[str, str]:
    """Every label of ``section`` in any language (lower case), mapped back to its key."""
    out: dict[str, str] = {}
    for key, names in table().get(section, {}).items():
        out[key.lower()] = key
        for name in names.values():
            out.setdefault(name.strip().lower(), key)
    return out


@lru_cache(maxsize=1)
def _switch_words() -> dict[str, bool]:
    out: dict[str, bool] = {}
    for key, value in (("on", True), ("off", False)):
        for words in table().get("switch", {}).get(key, {}).values():
            out.update({w.strip().lower(): value for w in words.split(",") if w.strip()})
    return out


def switch(value: Any) -> bool | None:
    """A yes/no word (``yes``, ``ya``, ``on``, ``tidak``, ``0``, ...; ``data/labels.yaml`` ``switch:``) as a bool.

    Parameters
    ----------
    value : str, bool or number
        What the planner typed; a bool is returned as it is.

    Returns
    -------
    bool or None
        ``None`` when ``value`` is no switch word in either language (the caller refuses it).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _switch_words().get(str(value).strip().lower())


def translate_reason(reason: Any, lang: str = "en") -> str:
    """A reason code (``no_source``, ``budget_exhausted``, ...) in plain words."""
    return word(str(reason), lang)


# --------------------------------------------------------------------------- vocabulary

#: Fields with a closed vocabulary (the sections of ``vocabulary`` in labels.yaml).
FIELDS: tuple[str, ...] = ("priority", "sector", "kind", "scope", "program")


def _norm(text: str) -> str:
    """Case, spaces, ``-`` and ``_`` do not matter: ``"Miskin-Ekstrem "`` -> ``"miskin ekstrem"``."""
    return " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())


@lru_cache(maxsize=None)
def vocabulary(field: str) -> dict[str, dict[str, Any]]:
    """The known values of ``field``: ``{key: {"en": word, "id": word, "synonyms": [...]}}``."""
    if field not in FIELDS:
        raise ValueError(f"field: {field!r} is not one of {', '.join(FIELDS)}")
    return {str(k): dict(v) for k, v in _data()["vocabulary"][field].items()}


@lru_cache(maxsize=None)
def _lookup(field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, entry in vocabulary(field).items():
        for text in (key, entry.get("en", key), entry.get("id", key), *entry.get("synonyms", [])):
            out.setdefault(_norm(text), key)
    return out


def known(field: str) -> tuple[str, ...]:
    """The canonical values of ``field``, in the order of the labels data."""
    return tuple(vocabulary(field))


def canonical(field: str, value: Any, extra: tuple[str, ...] | frozenset[str] = ()) -> str | None:
    """The canonical value ``value`` stands for (``"Miskin Ekstrem"`` -> ``"extreme"``), or ``None``.

    ``extra`` are values the scenario declared itself; they match as written (case-insensitively)
    and win over a synonym.
    """
    if not isinstance(value, str):
        return None
    n = _norm(value)
    for e in extra:
        if _norm(e) == n:
            return e
    return _lookup(field).get(n)


def nearest(field: str, value: Any, extra: tuple[str, ...] | frozenset[str] = (), n: int = 3) -> list[str]:
    """The known values of ``field`` closest to ``value`` (by spelling of any of their words)."""
    import difflib

    lookup = _lookup(field) | {_norm(e): e for e in extra}
    hits = difflib.get_close_matches(_norm(str(value)), list(lookup), n=12, cutoff=0.5)
    out: list[str] = []
    for h in hits:
        if lookup[h] not in out:
            out.append(lookup[h])
    return out[:n]


def _close(field: str, value: Any, extra: tuple[str, ...] | frozenset[str] = ()) -> bool:
    """Whether ``value`` is one or two letters away from a word of the vocabulary (a typo, not a name)."""
    import difflib

    n = _norm(str(value))
    words = list(_lookup(field)) + [_norm(e) for e in extra]
    return any(difflib.SequenceMatcher(None, n, w).ratio() >= 0.8 for w in words)


def term(field: str, key: str, lang: str = "en") -> str:
    """The planner's word for a canonical value (``term("sector", "palm", "id")`` -> ``"sawit"``)."""
    check_lang(lang)
    return str(vocabulary(field).get(key, {}).get(lang, key))


def unknown_message(field: str, value: Any, extra: tuple[str, ...] | frozenset[str] = ()) -> str:
    """``'sawitt' is not a known sector (nearest: palm)``: the validation sentence for a value outside the vocabulary."""
    text = shown(value, limit=60)  # never a NIK or what may be a name ...
    near = nearest(field, value, extra)
    if near and text.startswith("(value not shown") and _close(field, value, extra):
        text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."  # ... unless it is plainly a misspelt word of the list

    def show(k: str) -> str:
        w = vocabulary(field).get(k, {}).get("id", k)
        return k if _norm(w) == _norm(k) else f"{k} ({w})"

    hint = f"nearest: {', '.join(map(show, near))}" if near else f"known: {', '.join(map(show, known(field) + tuple(extra)))}"
    return f"{text} is not a known {field} ({hint})"


# --------------------------------------------------------------------------- messages


def translate(text: str, lang: str = "en") -> str:
    """A message in ``lang``: phrases of the ``messages`` table replaced outside quoted values.

    Messages are written in English; the field path and every quoted value stay as they are.
    """
    check_lang(lang)
    if lang == "en" or not text:
        return text
    import re

    for en, tr in _rule_messages(lang):  # a funder rule's sentence, quoted words and all
        text = text.replace(en, tr)
    for pattern, repl in _patterns(lang):
        m = pattern.match(text)
        if m:
            groups = m.groupdict()
            if groups.get("counts"):
                groups["counts"] = re.sub(r"(\d) in ", r"\1 pada ", groups["counts"])
            out = repl
            for name, value in groups.items():
                out = out.replace(f"\\g<{name}>", value or "")
            out = _phrase_sub(out, _phrases(lang, "message_words"))  # inside the groups: "phase p1", "(rule ...; confidence N)"
            return _id_numbers(out) if lang == "id" else out
    return _phrase_sub(text, _phrases(lang))


def _phrase_sub(text: str, pairs: list[tuple[Any, str]]) -> str:
    """``pairs`` (compiled phrase, translation) replaced outside quoted values."""
    import re

    parts = re.split(r"('(?:[^'\\]|\\.)*'|\"[^\"]*\")", text)
    for i in range(0, len(parts), 2):  # even parts lie outside quotes
        chunk = parts[i]
        for pattern, repl in pairs:
            chunk = pattern.sub(repl, chunk)
        parts[i] = chunk
    return "".join(parts)


@lru_cache(maxsize=4)
def _rule_messages(lang: str) -> list[tuple[str, str]]:
    """(English, translated) sentences of the dated funder rules (``message_id`` in rates.yaml)."""
    if lang != "id":
        return []
    from .rates import default_table  # same layer: the rules' words live with the rules

    return [(r.message, r.message_id) for r in default_table().funder_rules if r.message and r.message_id]


def _id_numbers(text: str) -> str:
    """English thousands separators (1,234) as Indonesian ones (1.234), outside quoted values."""
    import re

    return re.sub(r"(?<![\d.])(\d{1,3})((?:,\d{3})+)(?![\d])", lambda m: m.group(1) + m.group(2).replace(",", "."), text)


@lru_cache(maxsize=4)
def _patterns(lang: str) -> list[tuple[Any, str]]:
    import re

    return [(re.compile(str(e["en"])), str(e[lang])) for e in _data().get("message_patterns", []) if lang in e]


@lru_cache(maxsize=8)
def _phrases(lang: str, section: str = "messages") -> list[tuple[Any, str]]:
    import re

    entries = _data().get(section, {})
    pairs = [(str(en), str(tr[lang])) for en, tr in entries.items() if lang in tr]
    pairs.sort(key=lambda p: -len(p[0]))  # longest phrase first
    return [(re.compile(r"(?<![\w])" + re.escape(en) + r"(?![\w])"), tr.replace("\\", "\\\\")) for en, tr in pairs]


def cli_help(text: str | None, lang: str = "en", command: str | None = None) -> str | None:
    """The help of a command (by ``command`` name) or of an option (by its English ``text``) in ``lang``."""
    if lang == "en":
        return text
    entries = _data().get("cli_help", {})
    entry = entries.get(command) if command is not None else entries.get(text or "")
    return str(entry[lang]) if entry and lang in entry else text
