"""Loading scenarios: TOML files, ``extends`` layering, ``--set`` overrides, clear errors.

Layering merges tables key by key (the child wins) and appends the child's events to
the parent's; ``remove_events`` drops inherited events by name, and a child event with
the same name as a parent event replaces it. Every failure raises
:class:`ScenarioError` with one message naming the field, the value and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from zili.scenario.events import EVENT_KINDS
from zili.scenario.schema import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be used, with a one-line, user-facing message."""


def scenarios_dir() -> Path:
    """Folder of the shipped scenario files."""
    return Path(str(resources.files("zili") / "scenarios"))


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario names and their files."""
    return {p.stem: p for p in sorted(scenarios_dir().glob("*.toml"))}


def _did_you_mean(word: str, choices) -> str:
    """``; did you mean 'x'?`` for the closest of ``choices`` to a mistyped ``word``, else nothing."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _resolve_path(ref: str, relative_to: Path | None, source: Path | None = None) -> Path:
    """The file of scenario ``ref`` (a shipped name or a path, also relative to ``relative_to``);
    ``source`` is the file whose ``extends`` names it, for the error message."""
    shipped = shipped_scenarios()
    if ref in shipped:
        return shipped[ref]
    candidates = [Path(ref)]
    if relative_to is not None:
        candidates.insert(0, relative_to / ref)
        if not ref.endswith(".toml"):
            candidates.insert(1, relative_to / f"{ref}.toml")
    for c in candidates:
        if c.is_file():
            return c
    where = f"{source.name}: extends = {ref!r}: " if source is not None else ""
    raise ScenarioError(f"{where}scenario {ref!r} not found; allowed: a TOML file path or a shipped scenario "
                        f"({', '.join(shipped)}){_did_you_mean(ref, shipped)}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: not valid TOML ({exc}); allowed: a TOML file as described in docs/SCENARIOS.md") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None


def merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Layer ``child`` on ``parent``: tables merge recursively, events append or replace by name."""
    out = copy.deepcopy(parent)
    for key, val in child.items():
        if key == "events":
            events = out.get("events", [])
            drop = {e.get("name") for e in val if isinstance(e, dict)}
            out["events"] = [e for e in events if e.get("name") not in drop] + copy.deepcopy(val)
        elif key == "remove_events":
            out[key] = sorted(set(out.get(key, [])) | set(val))
        elif isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def raw_scenario(ref: str | Path) -> dict[str, Any]:
    """The merged, not yet validated dict of a scenario and its ``extends`` chain."""
    return raw_with_origins(ref)[0]


def raw_with_origins(ref: str | Path, _seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
    """:func:`raw_scenario`, and where each named event of it was written: name -> (file name,
    its place among that file's events, from 1), for error messages (a child's event of the same
    name replaces its parent's, as in :func:`merge`)."""
    path = _resolve_path(str(ref), None)
    key = str(path.resolve())
    if key in _seen:
        raise ScenarioError(f"extends: cycle through {path.name}; allowed: a chain of scenarios without loops")
    doc = _read_toml(path)
    own = doc.get("events")
    origins = {e["name"]: (path.name, i + 1) for i, e in enumerate(own if isinstance(own, list) else [])
               if isinstance(e, dict) and isinstance(e.get("name"), str)}
    parent_ref = doc.get("extends")
    if parent_ref is not None:
        if not isinstance(parent_ref, str):
            raise ScenarioError(f"extends = {parent_ref!r}: not a string; allowed: a scenario name or path")
        parent_path = _resolve_path(parent_ref, path.parent, source=path)
        parent, parent_origins = raw_with_origins(parent_path, _seen + (key,))
        doc = merge({k: v for k, v in parent.items() if k not in ("name", "description")}, doc)
        origins = parent_origins | origins
    doc.setdefault("name", path.stem)
    return doc, origins


def parse_set(assignment: str) -> tuple[list[str], Any]:
    """Parse ``a.b.c=value``; the value is read as TOML (number, bool, string, array), else as a string."""
    if "=" not in assignment:
        raise ScenarioError(f"--set {assignment!r}: missing '='; allowed: --set section.key=value (e.g. run.replicates=8)")
    path, text = assignment.split("=", 1)
    keys = [k.strip() for k in path.strip().split(".")]
    if not all(keys):
        raise ScenarioError(f"--set {assignment!r}: empty key; allowed: --set section.key=value")
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()
    return keys, value


def end_events(doc: dict[str, Any], last_year: int) -> dict[str, Any]:
    """Drop the events announced or taking effect after ``last_year`` (they cannot act in the run),
    and the ``remove_events`` entries that then name nothing; ``doc`` is changed in place and returned."""
    doc["events"] = [e for e in doc.get("events", []) if int(e.get("announce", 0)) <= last_year and int(e.get("effect", 0)) <= last_year]
    if "remove_events" in doc:
        doc["remove_events"] = sorted(set(doc["remove_events"]) & {e.get("name") for e in doc["events"]})
    return doc


def apply_sets(doc: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Apply ``--set`` overrides to a raw scenario dict (a copy is returned).

    Shortening the run (``--set run.end_year=Y``) drops the events that come after ``Y``: a
    scenario's timeline is written for its own years, and a shorter run is a request to stop earlier.
    """
    out = copy.deepcopy(doc)
    for a in assignments:
        keys, value = parse_set(a)
        if keys == ["run", "end_year"] and isinstance(value, int):
            end_events(out, value)
        node = out
        for k in keys[:-1]:
            if k == "data":
                break
            nxt = node.setdefault(k, {})
            if not isinstance(nxt, dict):
                raise ScenarioError(f"--set {a!r}: {k} is not a table; allowed: a path to a table key")
            node = nxt
        if keys[0] == "data" and len(keys) > 1:
            out.setdefault("data", {})[".".join(keys[1:])] = value
        else:
            node[keys[-1]] = value
    return out


def _event_label(i: int, name: Any, origins: dict[str, tuple[str, int]]) -> str:
    """What follows ``events[i]`` in a message: the event's name and, where ``i`` (which counts
    inherited events) is not its place in the file that wrote it, that place too."""
    file, place = origins.get(name, ("", i + 1)) if isinstance(name, str) else ("", i + 1)
    return f"{name}, event {place} of {file}" if file and place != i + 1 else f"{name}"


_EVENT_AT = re.compile(r"^events\[(\d+)\] \(([^)]*)\)")  # how the schema's cross-checks name an event


def _loc(loc: tuple[Any, ...], doc: dict[str, Any], origins: dict[str, tuple[str, int]]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
            events = doc.get("events") if parts == [f"events[{item}]"] else None
            if isinstance(events, list) and item < len(events) and isinstance(events[item], dict):
                # the index counts inherited events: the event's name, or where it stands, finds it; where the
                # index is not the event's place in its own file, that place too
                name = events[item].get("name")
                parts[-1] += f" ({_event_label(item, name, origins)})" if name else f" (event {item + 1} of {len(events)}, inherited events first)"
        elif item in EVENT_KINDS and parts and parts[-1].startswith("events["):  # pydantic's union tag
            continue
        else:
            parts.append(str(item))
    return ".".join(parts)


def _model_at(loc: tuple[Any, ...]) -> Any:
    """The schema model (pydantic class) of the table that holds the last element of ``loc``, or None."""
    from zili.scenario import events as ev

    model: Any = Scenario
    by_kind = {}
    for cls in vars(ev).values():
        if isinstance(cls, type) and issubclass(cls, BaseModel) and "kind" in cls.model_fields:
            for tag in getattr(cls.model_fields["kind"].annotation, "__args__", ()):
                by_kind[tag] = cls
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        if item in by_kind:
            model = by_kind[item]
            continue
        if item == "events":
            continue
        field = getattr(model, "model_fields", {}).get(item)
        if field is None:
            return None
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if model is None:
            return None
    return model


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the table that holds the last element of ``loc`` (for unknown-field errors)."""
    return list(getattr(_model_at(loc), "model_fields", {}))


def _missing_allowed(loc: tuple[Any, ...]) -> str:
    """What a missing field may be: its choices (a Literal) or its description."""
    import typing

    field = getattr(_model_at(loc), "model_fields", {}).get(loc[-1]) if loc else None
    if field is None:
        return "see docs/SCENARIOS.md"
    if typing.get_origin(field.annotation) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(field.annotation)))
    return field.description or "see docs/SCENARIOS.md"


MAX_PROBLEMS = 5  # problems of one file reported together (the rest are counted)


def _format(exc: ValidationError, doc: dict[str, Any], origins: dict[str, tuple[str, int]]) -> str:
    """Every problem of the file, one line each (so that fixing one does not reveal the next);
    an unknown field first, since it is usually a misspelt one and its line lists the fields
    allowed; a field missing where a misspelt one stands is then reported after it."""
    errors = exc.errors(include_url=False)
    errors = sorted(errors, key=lambda e: e.get("type") != "extra_forbidden")  # stable: otherwise pydantic's order
    lines = list(dict.fromkeys(_format_one(e, doc, origins) for e in errors))
    more = len(lines) - MAX_PROBLEMS
    return "\n".join(lines[:MAX_PROBLEMS] + ([f"... and {more} more"] if more > 0 else []))


def _format_one(err: dict[str, Any], doc: dict[str, Any], origins: dict[str, tuple[str, int]]) -> str:
    """One validation problem as ``location = value: what is wrong; allowed: what is``."""
    loc = _loc(tuple(err.get("loc", ())), doc, origins)
    typ = err.get("type", "")
    msg = err.get("msg", "")
    value = err.get("input")
    if typ == "extra_forbidden":
        allowed = _allowed_fields(tuple(err.get("loc", ())))
        hint = _did_you_mean(err["loc"][-1], allowed) if err.get("loc") else ""
        return f"{loc} = {value!r}: unknown field; allowed: {', '.join(allowed) if allowed else 'see docs/SCENARIOS.md'}{hint}"
    if typ == "union_tag_invalid":
        tag = value.get("kind") if isinstance(value, dict) else value
        return f"{loc}.kind = {tag!r}: unknown event kind; allowed: {', '.join(EVENT_KINDS)}"
    if typ == "union_tag_not_found":
        keys = f" (it has {', '.join(map(str, value))})" if isinstance(value, dict) and value else ""
        return f"{loc}: event without 'kind'{keys}; allowed: kind = one of {', '.join(EVENT_KINDS)}"
    if typ == "missing":
        return f"{loc}: required field is missing; allowed: {_missing_allowed(tuple(err.get('loc', ())))}"
    if typ == "value_error":
        text = msg.removeprefix("Value error, ")
        text = _EVENT_AT.sub(lambda m: f"events[{m[1]}] ({_event_label(int(m[1]), m[2], origins)})", text)
        return f"{loc}: {text}" if loc else text
    shown = repr(value) if not isinstance(value, dict) else "a table"
    allowed = msg.removeprefix("Input should be ").removeprefix("input should be ") or "a valid value"
    return f"{loc} = {shown}: wrong value; allowed: {allowed}"


def validate(doc: dict[str, Any], origins: dict[str, tuple[str, int]] | None = None) -> Scenario:
    """Validate a raw scenario dict, raising :class:`ScenarioError` with one clear message
    (``origins``: where its named events were written, as :func:`load_scenario` knows it)."""
    try:
        sc = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(_format(exc, doc, origins or {})) from None
    drop = set(sc.remove_events)
    names = [e.name for e in sc.events]
    unknown = sorted(drop - set(names))
    if unknown:
        raise ScenarioError(f"remove_events = {unknown[0]!r}: matches no event; allowed: names of inherited events ({', '.join(names)})")
    if drop:
        sc = sc.model_copy(update={"events": [e for e in sc.events if e.name not in drop]})
    return sc


def load_scenario(ref: str | Path = "baseline", *, sets: list[str] | None = None) -> Scenario:
    """Load, layer, override and validate a scenario by shipped name or path."""
    doc, origins = raw_with_origins(ref)
    if sets:
        doc = apply_sets(doc, sets)
    return validate(doc, origins)


def to_toml(sc: Scenario) -> str:
    """The fully resolved scenario as TOML text (no ``extends``; every default written out)."""
    data = sc.model_dump(mode="json", exclude_none=True)
    data.pop("extends", None)
    data["remove_events"] = []
    for e in data.get("events", []):
        for field in ("paid_in_rmb_bn", "amounts_rmb_bn", "budget_rmb_bn", "value_rmb_per_vehicle"):
            if field in e:
                e[field] = {str(k): v for k, v in e[field].items()}
    data.pop("remove_events")
    return tomli_w.dumps(data)
