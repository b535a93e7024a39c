"""Scenarios: what is defended, by whom, with what, against which raid.

A scenario is a YAML file that a person edits by hand. It loads into frozen
pydantic objects (:class:`Scenario` and the classes it holds), validated
field by field and then across references; every problem is reported at
once, as ``file:line key: expected ..., got ...``::

    my.yaml:42 sensors[3].range_max_km: expected a positive number, got -5
    my.yaml:57 batteries[0].site: unknown site 'Kurecik'; did you mean 'kurecik'? (...)

Units sit in the key names (``lat_deg``, ``range_max_km``, ``latency_s``,
``rcs_m2``) and the objects keep them; code that computes converts to SI.

Sourced numbers
---------------
Every number may be written plain or with its provenance, as a one-line
mapping::

    range_max_km: 1500
    range_max_km: {value: 1500, tag: estimate, source: nrc-2012, note: "fig. 5-8"}

``tag`` is ``official``, ``estimate``, ``press`` or ``assumption`` (or ``O``,
``E``, ``P``, ``A``). ``source`` is a key of the file's ``references`` if it
has no spaces and no capitals (``nrc-2012``; an unknown key is an error with a
suggestion), free text otherwise (``"public maps"``). ``note`` says the page,
or why an assumed value was chosen.

So that a whole item need not repeat itself, any mapping (a site, a sensor,
a missile, a stage) may carry ``tag``, ``source`` and ``note`` of its own:
they apply to every plain number inside it, nested items included, and a
sourced number takes from them whatever it leaves out::

    - {name: Ankara, lat_deg: 39.91987, lon_deg: 32.85427, population: 3517182,
       owner: NATO, tag: official, source: geonames, note: "geonameid 323786"}

The loader strips all of this before validation, so objects hold plain
numbers (``scenario.sites[2].lat_deg`` is a float), and keeps it in
``scenario.provenance``, keyed by dotted path (``sites[2].lat_deg``);
:func:`scenario_sources` lists every number with unit, tag, source and note.

Public API
----------
:func:`load_scenario`, :func:`parse_scenario`, :func:`list_scenarios`,
:func:`builtin_path`, :func:`export_scenario`, :func:`scenario_hash`,
:func:`scenario_sources`; the model classes; :data:`DEFAULT_SCENARIO`.
"""

from __future__ import annotations

from jointshield.scenario.loader import (
    DEFAULT_SCENARIO,
    ScenarioExistsError,
    ScenarioInfo,
    SourceRow,
    builtin_names,
    builtin_path,
    export_scenario,
    list_scenarios,
    load_scenario,
    parse_scenario,
    scenario_hash,
    scenario_sources,
)
from jointshield.scenario.model import (
    SCHEMA_ID,
    Asset,
    Battery,
    Fault,
    Interceptor,
    LaunchArea,
    Link,
    LinkOutage,
    Missile,
    MissileType,
    Party,
    Raid,
    Scenario,
    SectorArea,
    Sensor,
    Site,
    Stage,
    Threat,
)
from jointshield.scenario.provenance import TAGS, Provenance, Tag

__all__ = [
    "DEFAULT_SCENARIO",
    "SCHEMA_ID",
    "TAGS",
    "Asset",
    "Battery",
    "Fault",
    "Interceptor",
    "LaunchArea",
    "Link",
    "LinkOutage",
    "Missile",
    "MissileType",
    "Party",
    "Provenance",
    "Raid",
    "Scenario",
    "ScenarioExistsError",
    "ScenarioInfo",
    "SectorArea",
    "Sensor",
    "Site",
    "SourceRow",
    "Stage",
    "Tag",
    "Threat",
    "builtin_names",
    "builtin_path",
    "export_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
    "scenario_hash",
    "scenario_sources",
]
