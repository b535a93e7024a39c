"""Checks of a scenario that field types cannot express, and error translation.

:func:`cross_check` runs on the raw data (after provenance is stripped), so it
reports its problems together with the field errors of the same file, and a
user fixes everything in one pass. It checks that every name a scenario uses
exists (suggesting the closest known one), that names are unique, that
min/max pairs are ordered, that the ``schema`` is known and that
``default_raid`` names a raid. It tolerates malformed items: those are left
to field validation, which :func:`problems_from_validation` turns into
``file:line key: expected ..., got ...`` problems instead of a pydantic dump.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypeGuard, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from jointshield.errors import Problem, closest, unknown_name_message
from jointshield.physics.geo import polygon_problems as geo_polygon_problems
from jointshield.scenario.model import SCHEMA_ID, Scenario
from jointshield.scenario.provenance import ITEM_KEYS
from jointshield.scenario.yamlio import KeyPath, format_path, line_of
from jointshield.vocabulary import FUSION_CENTRE

__all__ = [
    "cross_check",
    "fault_problems",
    "fill_owners",
    "polygon_problems",
    "problems_from_validation",
]

# Collections whose items carry a unique ``name``.
_NAMED = (
    "parties",
    "sites",
    "sensors",
    "interceptors",
    "batteries",
    "missiles",
    "launch_areas",
    "assets",
    "raids",
    "links",
    "sectors",
)

# (collection, field, collection the name refers to, what such a name is called)
_REFERENCES = (
    ("sites", "owner", "parties", "party"),
    ("sensors", "site", "sites", "site"),
    ("sensors", "owner", "parties", "party"),
    ("interceptors", "owner", "parties", "party"),
    ("batteries", "site", "sites", "site"),
    ("batteries", "owner", "parties", "party"),
    ("batteries", "interceptor", "interceptors", "interceptor"),
    ("assets", "owner", "parties", "party"),
    ("sectors", "party", "parties", "party"),
)

# (collection, lower field, upper field)
_ORDERED = (
    ("sensors", "el_min_deg", "el_max_deg"),
    ("sensors", "range_min_km", "range_max_km"),
    ("interceptors", "min_intercept_alt_km", "max_intercept_alt_km"),
    ("sensors", "track_confirm_m", "track_confirm_n"),
)


def _items(data: Mapping[str, Any], collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = data.get(collection)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fill_owners(data: Any) -> None:
    """Give sensors and batteries without an ``owner`` the owner of their site.

    Parameters
    ----------
    data : object
        Raw scenario data, changed in place; anything malformed is left alone.

    """
    if not isinstance(data, dict):
        return
    owners = {
        item["name"]: item.get("owner")
        for _, item in _items(data, "sites")
        if isinstance(item.get("name"), str)
    }
    for collection in ("sensors", "batteries"):
        for _, item in _items(data, collection):
            site = item.get("site")
            if "owner" not in item and isinstance(site, str) and owners.get(site) is not None:
                item["owner"] = owners[site]


def cross_check(
    data: Any, where: Callable[[KeyPath], int | None]
) -> tuple[list[Problem], set[KeyPath]]:
    """Check names, uniqueness, ordered pairs and the schema of raw scenario data.

    Parameters
    ----------
    data : object
        Raw scenario data after :func:`fill_owners`.
    where : callable
        Key path to 1-based line.

    Returns
    -------
    problems : list of Problem
        Everything found.
    explained : set of key paths
        Keys whose absence a problem here already explains, so that field
        validation's "missing" for them is not reported twice.

    """
    problems: list[Problem] = []
    explained: set[KeyPath] = set()

    def report(path: KeyPath, message: str) -> None:
        problems.append(Problem(format_path(path), message, where(path)))

    if not isinstance(data, dict):
        return problems, explained

    schema = data.get("schema")
    if schema is None:
        report((), f"missing key 'schema'; expected 'schema: {SCHEMA_ID}' at the top")
        explained.add(("schema",))
    elif schema != SCHEMA_ID:
        report(("schema",), f"expected {SCHEMA_ID!r}, got {schema!r}")
        explained.add(("schema",))

    names: dict[str, list[str]] = {}
    for collection in _NAMED:
        seen: dict[str, int | None] = {}
        for index, item in _items(data, collection):
            name: object = item.get("name")
            path: KeyPath = (collection, index, "name")
            if collection == "links" and "name" not in item:
                # An unnamed link is called FROM->TO (see Link): that name must be unique too.
                name = f"{item.get('from_party')}->{item.get('to_party')}"
                path = (collection, index)
            if not isinstance(name, str):
                continue
            if name in seen:
                first = seen[name]
                at = f" (first used at line {first})" if first is not None else ""
                implied = " (the name of an unnamed link is FROM->TO)" if len(path) == 2 else ""
                report(path, f"duplicate name {name!r}{at}{implied}")
            else:
                seen[name] = where(path)
        names[collection] = list(seen)
    for index, item in _items(data, "parties"):
        if item.get("name") == FUSION_CENTRE:
            report(
                ("parties", index, "name"),
                f"{FUSION_CENTRE!r} is reserved for the joint fusion centre; "
                "choose another party name",
            )

    def check_name(path: KeyPath, value: Any, known: list[str], kind: str) -> None:
        if isinstance(value, str) and value not in known:
            if known:
                report(path, unknown_name_message(kind, value, known))
            else:
                report(path, f"unknown {kind} {value!r}: this file defines none")

    for collection, field, target, kind in _REFERENCES:
        for index, item in _items(data, collection):
            check_name((collection, index, field), item.get(field), names[target], kind)

    # A sensor or battery needs an owner: its own or its site's.
    sites = {
        item["name"]: item for _, item in _items(data, "sites") if isinstance(item.get("name"), str)
    }
    for collection in ("sensors", "batteries"):
        for index, item in _items(data, collection):
            if "owner" in item:
                continue
            site = item.get("site")
            explained.add((collection, index, "owner"))
            if isinstance(site, str) and site in sites:
                report(
                    (collection, index),
                    f"missing key 'owner': give it here or on site {site!r}",
                )

    # A battery's engagement modes are its weapon system's: it cannot claim one its type lacks,
    # and one with neither a radar of its own nor engage on remote can never engage.
    # Names that are not strings are reported by field validation; only strings are keys.
    types: dict[str, dict[str, Any]] = {
        t["name"]: t for _, t in _items(data, "interceptors") if isinstance(t.get("name"), str)
    }
    for index, item in _items(data, "batteries"):
        wanted = item.get("interceptor")
        itype = types.get(wanted) if isinstance(wanted, str) else None
        if itype is None:
            continue
        modes: dict[str, bool] = {}
        for mode in ("launch_on_remote", "engage_on_remote"):
            claimed, capable = item.get(mode), itype.get(mode, False)
            if claimed is True and capable is not True:
                report(
                    ("batteries", index, mode),
                    f"battery claims {mode}, which its interceptor type "
                    f"{item.get('interceptor')!r} cannot have (set {mode}: true on the type, "
                    "with its source, or remove it here)",
                )
            modes[mode] = capable is True if claimed is None else claimed is True
        radars = [
            s
            for _, s in _items(data, "sensors")
            if s.get("kind") == "radar"
            and s.get("site") == item.get("site")
            and s.get("owner") == item.get("owner")
        ]
        if not radars and not modes["engage_on_remote"]:
            report(
                ("batteries", index),
                f"battery has no radar of its party at its site {item.get('site')!r} and "
                "cannot engage on remote, so it could never engage: add its fire-control "
                "radar (a sensor of kind radar at that site) or give it engage_on_remote",
            )

    radar_keys = {
        "range_max_km": "its maximum range, km",
        "reference_rcs_m2": "the RCS at which range_max_km holds, m²",
        "revisit_s": "the time between looks, s",
        "sigma_range_m": "its one-sigma range error, m",
        "sigma_az_mrad": "its one-sigma azimuth error, mrad",
        "sigma_el_mrad": "its one-sigma elevation error, mrad",
    }
    for index, item in _items(data, "sensors"):
        if item.get("kind") != "radar":
            continue
        for key, what in radar_keys.items():
            if key not in item:
                report(("sensors", index), f"missing key {key!r}: a radar needs {what}")
            elif item[key] is None:
                report(
                    ("sensors", index, key), f"expected a number, got nothing: a radar needs {what}"
                )
                explained.add(("sensors", index, key))

    for collection, low, high in _ORDERED:
        for index, item in _items(data, collection):
            a, b = item.get(low), item.get(high)
            if _is_number(a) and _is_number(b) and a > b:
                report(
                    (collection, index, low),
                    f"expected {low} ≤ {high}, got {a} > {b}",
                )

    ends = [*names["parties"], FUSION_CENTRE]
    for index, item in _items(data, "links"):
        check_name(("links", index, "from_party"), item.get("from_party"), ends, "party")
        check_name(("links", index, "to_party"), item.get("to_party"), ends, "party")
        if item.get("from_party") == item.get("to_party") and "from_party" in item:
            report(("links", index, "to_party"), "a link must join two different ends")
        outages = item.get("outages")
        for k, window in enumerate(outages if isinstance(outages, list) else []):
            if not isinstance(window, dict):
                continue
            start, end = window.get("start_s"), window.get("end_s")
            if _is_number(start) and _is_number(end) and start >= end:
                report(
                    ("links", index, "outages", k, "end_s"),
                    f"expected end_s > start_s, got {end} ≤ {start}",
                )

    for raid_index, raid in _items(data, "raids"):
        seen_ids: dict[str, int | None] = {}
        for index, threat in _items(raid, "threats"):
            here: KeyPath = ("raids", raid_index, "threats", index)
            check_name((*here, "missile"), threat.get("missile"), names["missiles"], "missile")
            check_name(
                (*here, "launch_area"),
                threat.get("launch_area"),
                names["launch_areas"],
                "launch area",
            )
            check_name((*here, "target"), threat.get("target"), names["assets"], "asset")
            threat_id = threat.get("id", f"t{index + 1}")
            if isinstance(threat_id, str):
                if threat_id in seen_ids:
                    report(
                        (*here, "id"),
                        f"duplicate threat id {threat_id!r} in this raid "
                        f"(first at line {seen_ids[threat_id]})",
                    )
                else:
                    seen_ids[threat_id] = where((*here, "id") if "id" in threat else here)

    for index, item in _items(data, "sectors"):
        polygon = item.get("polygon_deg")
        if isinstance(polygon, list):
            for inside, message in polygon_problems(polygon):
                report(("sectors", index, "polygon_deg", *inside), message)

    faults = data.get("faults")
    if isinstance(faults, list):
        for path, message in fault_problems(faults, names):
            report(("faults", *path), message)

    default_raid = data.get("default_raid")
    if default_raid is None and names["raids"]:
        report(
            (),
            "missing key 'default_raid'; expected the name of one of the raids: "
            + ", ".join(names["raids"]),
        )
    else:
        check_name(("default_raid",), default_raid, names["raids"], "raid")

    return problems, explained


# ---------------------------------------------------------------- faults

_FAULT_KINDS = {"sensor": "sensors", "link": "links", "battery": "batteries", "party": "parties"}
_FAULT_NOUN = {"sensor": "sensor", "link": "link", "battery": "battery", "party": "party"}


def fault_problems(faults: list[Any], names: Mapping[str, list[str]]) -> list[tuple[KeyPath, str]]:
    """Find what makes an exercise's faults unusable, as (key path in the list, message).

    Each fault names exactly one known sensor, link, battery or party (an
    unknown name gets the closest known one suggested); a latency applies to
    a link, for the whole run; a party's fault needs its
    ``authorisation_delay_s`` and nothing else does; a window ends after it
    starts. Types and ranges are the model's to check
    (:class:`~jointshield.scenario.model.Fault`).

    Parameters
    ----------
    faults : list
        The raw ``faults`` items.
    names : mapping of str to list of str
        The names of each collection (``sensors``, ``links``, ``batteries``,
        ``parties``) they may refer to.
    """
    found: list[tuple[KeyPath, str]] = []
    for index, item in enumerate(faults):
        if not isinstance(item, dict):
            continue
        named = [k for k in _FAULT_KINDS if item.get(k) is not None]
        if len(named) != 1:
            got = ", ".join(named) if named else "none"
            found.append(
                ((index,), f"expected exactly one of sensor, link, battery or party, got {got}")
            )
            continue
        (kind,) = named
        value = item[kind]
        known = names.get(_FAULT_KINDS[kind], [])
        if isinstance(value, str) and value not in known:
            found.append(((index, kind), unknown_name_message(_FAULT_NOUN[kind], value, known)))
        latency, delay = item.get("latency_s"), item.get("authorisation_delay_s")
        if latency is not None and kind != "link":
            found.append(((index, "latency_s"), "latency_s applies to a link's fault only"))
        if latency is not None and ("start_s" in item or "end_s" in item):
            found.append(
                (
                    (index, "latency_s"),
                    "a link's raised latency lasts the whole run: leave start_s and end_s out",
                )
            )
        if kind == "party" and delay is None:
            found.append(
                (
                    (index,),
                    "missing key 'authorisation_delay_s': a party's fault slows its "
                    "authorisation by that many seconds",
                )
            )
        if delay is not None and kind != "party":
            found.append(
                ((index, "authorisation_delay_s"), "authorisation_delay_s applies to a party only")
            )
        start, end = item.get("start_s", 0.0), item.get("end_s")
        if _is_number(start) and _is_number(end) and end <= start:
            found.append(((index, "end_s"), f"expected end_s > start_s, got {end} ≤ {start}"))
    return found


# ---------------------------------------------------------------- sector polygons


def polygon_problems(polygon: list[Any]) -> list[tuple[KeyPath, str]]:
    """Find what makes a sector's polygon unusable, as (key path in it, message).

    The rules are the domain's (:func:`jointshield.physics.geo.polygon_problems`,
    which :class:`~jointshield.architectures.sectors.Sector` applies too): no
    pole, no date-line crossing, no repeated vertex, no self-crossing, an
    area. Malformed vertices are left to field validation, and the geometry is
    then not checked.

    Parameters
    ----------
    polygon : list
        The raw ``polygon_deg`` list of ``[lat_deg, lon_deg]`` pairs.

    Returns
    -------
    list of (key path, str)
        The key path is relative to ``polygon_deg`` (``(2,)`` for its third vertex).
    """
    vertices: list[tuple[float, float]] = []
    for vertex in polygon:
        if not (
            isinstance(vertex, list)
            and len(vertex) == 2
            and all(_is_number(v) and math.isfinite(v) for v in vertex)
            and -90 <= vertex[0] <= 90
            and -180 <= vertex[1] <= 180
        ):
            return []
        vertices.append((float(vertex[0]), float(vertex[1])))
    if len(vertices) < 3:
        return []
    return [(where, message) for where, message in geo_polygon_problems(vertices)]


# ---------------------------------------------------------------- pydantic errors


def _strip_optional(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _field_at(loc: KeyPath) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Return the model that holds the last key of ``loc``, and that key's field."""
    model: type[BaseModel] | None = Scenario
    last = len(loc) - 1
    for position, part in enumerate(loc):
        if model is None:
            return None, None
        if isinstance(part, int):
            continue
        field = _fields(model).get(part)
        if position == last or field is None:
            return model, field
        inner = _strip_optional(field.annotation)
        if get_origin(inner) in (tuple, list):
            inner = _strip_optional(get_args(inner)[0])
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return model, None


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """Fields of a model by the key a file uses (the alias where there is one)."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def _describe(value: Any) -> str:
    """Say what a file gave, for ``expected ..., got <this>``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(str(value))


def _bounds_phrase(field: FieldInfo | None, below: bool = False) -> str:
    """Describe the allowed values of a bounded number field.

    With ``below`` (the value fell under the lower bound), a field with a
    physical upper bound (see :mod:`jointshield.scenario.model`) that is
    bounded below by zero reads "a positive number" or "a number ≥ 0".
    """
    if field is None:
        return "a number in range"
    lo: Any = None
    hi: Any = None
    lo_open = hi_open = False
    metadata = list(field.metadata)
    what = field.description or "a number"
    physical = field.json_schema_extra == {"bound": "physical"}
    # An optional number (``Positive | None``) keeps its bounds inside the union.
    for arg in get_args(field.annotation):
        for extra in get_args(arg)[1:]:
            metadata.extend(getattr(extra, "metadata", []))
            what = getattr(extra, "description", None) or what
            physical = physical or getattr(extra, "json_schema_extra", None) == {
                "bound": "physical"
            }
    for item in metadata:
        if isinstance(item, annotated_types.Gt):
            lo, lo_open = item.gt, True
        elif isinstance(item, annotated_types.Ge):
            lo, lo_open = item.ge, False
        elif isinstance(item, annotated_types.Lt):
            hi, hi_open = item.lt, True
        elif isinstance(item, annotated_types.Le):
            hi, hi_open = item.le, False
    if (hi is None or (below and physical)) and lo == 0:
        return "a positive number" if lo_open else "a number ≥ 0"
    if hi is None:
        return f"{what} {'>' if lo_open else '≥'} {lo:g}"
    if lo is None:
        return f"{what} {'<' if hi_open else '≤'} {hi:g}"
    return f"{what} in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


def _literal_values(field: FieldInfo | None) -> list[str]:
    if field is None:
        return []
    inner = _strip_optional(field.annotation)
    if get_origin(inner) is Literal:
        return [str(arg) for arg in get_args(inner)]
    return []


def _message(error: Mapping[str, Any], loc: KeyPath) -> tuple[KeyPath, str]:
    """Turn one pydantic error into (key path, message)."""
    kind = error["type"]
    got = _describe(error.get("input"))
    holder, field = _field_at(loc)
    if kind == "missing":
        return loc[:-1], f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = [*_fields(holder), *ITEM_KEYS] if holder is not None else list(ITEM_KEYS)
        guess = closest(key, known)
        hint = f"; did you mean {guess!r}?" if guess else ""
        return loc, f"unknown key {key!r}{hint}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        below = kind.startswith("greater")
        return loc, f"expected {_bounds_phrase(field, below)}, got {got}"
    if kind in ("float_type", "float_parsing"):
        return loc, f"expected a number, got {got}"
    if kind == "finite_number":
        return loc, f"expected a finite number, got {got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"expected a whole number, got {got}"
    if kind == "bool_type":
        return loc, f"expected true or false, got {got}"
    if kind == "string_type":
        hint = " (put it in quotes)" if got != "nothing" else ""
        return loc, f"expected text, got {got}{hint}"
    if kind == "string_too_short":
        return loc, "expected non-empty text, got ''"
    if kind == "literal_error":
        values = _literal_values(field)
        expected = error.get("ctx", {}).get("expected") or ", ".join(map(repr, values))
        raw = error.get("input")
        guess = closest(raw, values) if isinstance(raw, str) and values else None
        hint = f"; did you mean {guess!r}?" if guess else ""
        return loc, f"expected {expected}, got {got}{hint}"
    if kind in ("tuple_type", "list_type"):
        return loc, f"expected a list, got {got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"expected a mapping of keys to values, got {got}"
    if kind == "too_short":
        return loc, "expected at least one item, got none"
    message = str(error.get("msg", "invalid value"))
    return loc, f"{message[:1].lower()}{message[1:]}, got {got}"


def problems_from_validation(
    exc: ValidationError,
    lines: Mapping[KeyPath, int],
    skip: set[KeyPath] | None = None,
) -> list[Problem]:
    """Turn a pydantic ValidationError into problems with file lines.

    Parameters
    ----------
    exc : pydantic.ValidationError
        Raised by :meth:`Scenario.model_validate` on the stripped data.
    lines : mapping
        Key path to 1-based line.
    skip : set of key paths, optional
        Keys whose errors :func:`cross_check` already explains.

    Returns
    -------
    list of Problem
        One per error, ``expected ..., got ...``, with the line of the key.

    """
    skip = skip or set()
    problems = []
    for error in exc.errors(include_url=False):
        loc: KeyPath = tuple(part for part in error["loc"] if isinstance(part, str | int))
        if loc in skip:
            continue
        path, message = _message(error, loc)
        problems.append(Problem(format_path(path), message, line_of(lines, path)))
    return problems
