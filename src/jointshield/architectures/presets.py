"""The architectures: what flows between the parties, and who decides each launch.

Model
-----
An :class:`Architecture` is data: what the data links let through, whose
tracks a battery may fire on, whose assets it defends, and whose consent a
launch needs. The functions beside it are pure rules over that data, each
answering one part of the question "may party P fire interceptor I at threat
T now, and when?" with a decision and a reason that a report can show:

==========================  ====================================================
rule                        answers
==========================  ====================================================
:func:`may_use_track`       may this battery fire on this radar's track, and how
                            (organic, launch on remote, engage on remote)?
:func:`responsible`         is this threat this battery's business
                            (own assets, everyone's, the sector it overflies)?
                            If not: ``not-responsible``.
:func:`consent_needed`      whose consent does a launch need besides the
                            battery's own party (the dual key)?
:func:`deciders`            which parties must authorise a launch?
:func:`draw_authorisation`  how long does authorising a launch take?
                            Too long to launch in time: ``not-authorised``.
:func:`draw_veto`           does another party veto it? If so: ``vetoed``.
:func:`refusal`             the reason code of the decision, in that order.
==========================  ====================================================

The five architectures, named in the public debate of 2010-2013 (project
brief), are the presets of :func:`architecture`:

==============  ========  ===========  ===========  =====  ======  ===========  ========
name            sharing   launch on    engage on    fused  defend  cue          dual key
                          remote       remote                      confirms
==============  ========  ===========  ===========  =====  ======  ===========  ========
national        none      no           no           no     own     no           no
early-warning   early-    no           no           no     own     yes          no
                warning
data-exchange   tracks    yes (a       no           no     own     yes          no
                          parameter)
sectoral        tracks    yes          no           no     sector  yes          no
joint           tracks    yes          yes          yes    all     yes          yes
==============  ========  ===========  ===========  =====  ======  ===========  ========

* ``national``: the baseline, no cooperation. Each party detects, decides and
  fires with its own assets, for its own territory.
* ``early-warning``: the first step Russian experts proposed, integrating the
  early-warning systems. The parties exchange cues only (launch detected,
  launch area, rough azimuth); no fire-control data. A cue tells a radar where
  to search, so it confirms a track on its first look (``cue_confirms``).
* ``data-exchange``: NATO's position in 2011, "two independent but connected
  systems" (project brief): a joint data-fusion centre exchanges threat
  tracks, and each party still decides and fires alone, for its own assets.
  NATO's Secretary General Anders Fogh Rasmussen gave the reason: "we cannot
  outsource our collective defence obligations" (as quoted in the project
  brief). Whether a battery may launch on the other party's track is the
  open question of this architecture, so it is a parameter
  (``launch_on_remote``, default yes).
* ``sectoral``: Russia's proposal around the NATO-Russia Council summit in
  Lisbon, November 2010. Europe is cut into sectors, and each party must
  intercept whatever overflies its sector, whatever the target: one party's
  safety depends on the other's interceptors (:func:`responsible`,
  :func:`sector_owner`, :data:`DEFAULT_SECTORS`).
* ``joint``: Russia's position in 2011, "a single system with equal authority
  in decision making and interceptor launches" (project brief). One fused
  picture and one command; every launch needs both parties' consent (a dual
  key), which costs time (:func:`draw_authorisation`) and can be vetoed
  (:func:`draw_veto`).

Every preset receives at least what the one before it in this list receives
(sharing is nested: ``none`` ⊂ ``early-warning`` ⊂ ``tracks``), so cueing
(``cue_confirms``) holds in every architecture that exchanges anything: a
track brings its cue with it.

Decisions
---------
* **Launch on remote within a party is always allowed.** A battery may fire on
  a track from another radar of its own party in every architecture, national
  included, as launch on remote (its organic radar must take over before the
  intercept), or as engage on remote where the architecture allows that. This
  is the practice the United States' European Phased Adaptive Approach (EPAA,
  announced in September 2009) planned within the Alliance: an Aegis ship
  firing on the track of a forward-based AN/TPY-2 radar. Cooperation changes
  only the use of the *other* party's tracks.
* **Every launch decision takes the authorisation delay**, in every
  architecture: a party deciding alone still decides
  (``authorisation_delay_s``, 0 by default: instant). A dual key adds the other
  party's decision, taken in parallel, so a launch waits for the slower of
  the two (:func:`draw_authorisation`).
* **Only a dual key can veto.** A party deciding alone never vetoes its own
  launches; in ``joint`` each consenting party other than the launching
  battery's may veto (:func:`draw_veto`).
* **Outside every sector the target's owner defends.** In ``sectoral``, an
  intercept point that lies in no sector (over Iran, the open sea, or a third
  country left out of both sectors) falls back to the national rule: the
  party whose asset is threatened is responsible. A sector owned by a name
  that is no party (say ``nobody``) is a true gap that no battery covers.

Parameters of the distrust studies (latency, availability, authorisation
delay, veto probabilities) are assumptions of the user's study, not data: the
defaults (instant authorisation, no veto, the scenario's own links) isolate
the architecture itself.

Conventions
-----------
SI units: times in s; angles in radians inside, degrees in the sector
polygons (an edge of the input, converted once). Arrays broadcast; a
``(T, n, b)`` array is per trial, threat and battery. Random draws come from
one :class:`numpy.random.Generator` for the whole block, or from one
:class:`numpy.random.SeedSequence` per trial (the leading axis), as in
:mod:`jointshield.engagement`; give each kind of draw its own streams (spawn
a child per kind), so that one never shifts another.

Sources
-------
* Project brief: the five architectures, who proposed each, and the quoted
  positions of NATO and Russia (2010-2011), as quoted there.
* The White House, "Fact Sheet on U.S. Missile Defense Policy: A 'Phased,
  Adaptive Approach' for Missile Defense in Europe", 17 September 2009: the
  EPAA, the Aegis ships and forward-based radar whose remote tracks a NATO
  battery uses within the Alliance.
* NATO, Lisbon Summit Declaration, 20 November 2010: the decision to develop
  a territorial missile-defence capability and the invitation to Russia to
  cooperate, at whose NATO-Russia Council meeting Russia put the sectoral
  approach.
* NATO, Bucharest Summit Declaration, 3 April 2008: Ukraine and Georgia
  "will become members of NATO" (used for :data:`DEFAULT_SECTORS`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast, get_args

import numpy as np

from jointshield.errors import JointshieldError, UnknownNameError, closest, unknown_name_message
from jointshield.vocabulary import SHARING_POLICIES, Sharing

ARCHITECTURES: Final[tuple[str, ...]] = (
    "national",
    "early-warning",
    "data-exchange",
    "sectoral",
    "joint",
)
"""The five architectures, from no cooperation to a single joint system."""

Defend = Literal["own", "all", "sector"]
"""Whose assets a battery defends; see :func:`responsible`."""

DEFENCE_MODES: Final[tuple[str, ...]] = get_args(Defend)
"""The values of :data:`Defend`."""

TrackUse = Literal["organic", "engage-on-remote", "launch-on-remote", "barred"]
"""How a battery may use a radar's track; see :func:`may_use_track`."""

TRACK_USES: Final[Mapping[str, str]] = {
    "organic": "the battery's own radar, at its site: the whole engagement on its track",
    "engage-on-remote": "another radar's track: the whole engagement on it, no organic radar",
    "launch-on-remote": (
        "another radar's track: launch on it, the organic radar taking over before the intercept"
    ),
    "barred": "the other party's track: the architecture keeps it out of fire control",
}
"""What each :data:`TrackUse` means, for reports."""

PARAMETERS: Final[Mapping[str, str]] = {
    "sharing": (
        "what every link lets through: none, early-warning (cues), tracks, or "
        "tracks-own-territory (tracks of threats to the receiver only)"
    ),
    "launch_on_remote": (
        "true/false: a battery may launch on the other party's track, its own radar "
        "taking over before the intercept"
    ),
    "engage_on_remote": (
        "true/false: a battery may fly a whole engagement on another radar's track"
    ),
    "fused_picture": "true/false: one fused picture, every sensor's tracks are every party's",
    "defend": (
        "own (the battery party's assets), all (every asset), or sector (whatever "
        "overflies the party's sector)"
    ),
    "cue_confirms": (
        "true/false: a cue received before a radar's first look confirms a track on that look"
    ),
    "dual_key": "true/false: every launch needs every party's consent",
    "latency_s": "s in [0, 86400], or none: replaces every link's fixed latency",
    "availability": "in [0, 1], or none: replaces every link's availability",
    "authorisation_delay_s": (
        "s in [0, 86400]: median time a party takes to authorise a launch (lognormal; 0 = instant)"
    ),
    "authorisation_sigma": "dimensionless in [0, 10]: lognormal shape of the authorisation delay",
    "veto_probability": "in [0, 1]: probability that another party vetoes a launch (dual key)",
    "veto_own_territory": (
        "in [0, 1], or none: veto probability when the intercept point lies over the "
        "vetoing party's territory (none = veto_probability)"
    ),
    "veto_other_battery": (
        "in [0, 1], or none: veto probability for launches by another party's battery "
        "(none = veto_probability)"
    ),
}
"""Every parameter a user may set (``--set NAME=VALUE``), with its unit and meaning."""

_TRUE: Final = frozenset({"true", "yes", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "0", "off"})
_NONE: Final = frozenset({"none", "null"})

_BOOL_FIELDS: Final = frozenset(
    {"launch_on_remote", "engage_on_remote", "fused_picture", "cue_confirms", "dual_key"}
)
_DAY_S: Final = 86_400.0
"""Longest latency or authorisation delay, s: a raid is over in well under an hour."""

# (lower bound, upper bound, may be None, what is expected)
_NUMBER_FIELDS: Final[Mapping[str, tuple[float, float, bool, str]]] = {
    "latency_s": (0.0, _DAY_S, True, "a number of s in [0, 86400] (a day), or none"),
    "availability": (0.0, 1.0, True, "a number in [0, 1], or none"),
    "authorisation_delay_s": (0.0, _DAY_S, False, "a number of s in [0, 86400] (a day)"),
    "authorisation_sigma": (0.0, 10.0, False, "a number in [0, 10]"),
    "veto_probability": (0.0, 1.0, False, "a probability in [0, 1]"),
    "veto_own_territory": (0.0, 1.0, True, "a probability in [0, 1], or none"),
    "veto_other_battery": (0.0, 1.0, True, "a probability in [0, 1], or none"),
}
_CHOICE_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "sharing": SHARING_POLICIES,
    "defend": DEFENCE_MODES,
}


# --------------------------------------------------------------------------- values


def _where(arch: str, key: str) -> str:
    return f"architecture {arch!r} {key}" if arch else key


def _coerce(arch: str, key: str, value: object) -> object:
    """Return ``value`` as the type of parameter ``key``, reading strings as the CLI gives them.

    Raises
    ------
    JointshieldError
        Naming the parameter, what was expected and what came.
    """
    if key in _BOOL_FIELDS:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if isinstance(value, numbers.Integral) and int(value) in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise JointshieldError(
            f"{_where(arch, key)}: expected true or false (also yes/no, 1/0), got {value!r}"
        )
    if key in _NUMBER_FIELDS:
        low, high, optional, expected = _NUMBER_FIELDS[key]
        number: float | None
        if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
            if optional:
                return None
            raise JointshieldError(f"{_where(arch, key)}: expected {expected}, got {value!r}")
        if isinstance(value, bool | np.bool_):
            number = None  # True is not a number of seconds
        elif isinstance(value, numbers.Real):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        else:
            number = None
        if number is None or not math.isfinite(number) or not low <= number <= high:
            raise JointshieldError(f"{_where(arch, key)}: expected {expected}, got {value!r}")
        return number
    if key in _CHOICE_FIELDS:
        known = _CHOICE_FIELDS[key]
        choice: object = value.strip() if isinstance(value, str) else value
        if choice not in known:
            kind = "sharing policy" if key == "sharing" else "defence mode"
            raise JointshieldError(
                f"{_where(arch, key)}: {unknown_name_message(kind, str(value), known)}"
            )
        return choice
    raise _unknown_parameter(arch, key)


def _unknown_parameter(arch: str, key: str) -> JointshieldError:
    """Build the error for a parameter that does not exist, listing every one."""
    guess = closest(key, PARAMETERS)
    hint = f"; did you mean {guess!r}?" if guess else ""
    why = " (the name chooses the architecture, it is not a parameter)" if key == "name" else ""
    where = f" of architecture {arch!r}" if arch else ""
    return JointshieldError(
        f"unknown parameter {key!r}{where}{why}{hint} (valid: {', '.join(PARAMETERS)})"
    )


# --------------------------------------------------------------------------- architecture


@dataclass(frozen=True)
class Architecture:
    """What flows between the parties and who decides: one architecture, as data.

    Every field but ``name`` is a parameter a user may set
    (:meth:`with_params`, ``--set NAME=VALUE``; :data:`PARAMETERS`).

    Parameters
    ----------
    name : str
        The architecture's name (a preset's, or the user's).
    sharing : {'none', 'early-warning', 'tracks', 'tracks-own-territory'}
        Sharing policy applied to every link (:func:`jointshield.network.allows`).
    launch_on_remote : bool
        May a battery launch on the other party's track, its organic radar
        taking over before the intercept (:func:`may_use_track`)?
    engage_on_remote : bool
        May a battery fly a whole engagement on another radar's track?
    fused_picture : bool
        One fused picture: every sensor's tracks are every party's. There is
        no link between the parties' own pictures; the fusion centre is the
        picture.
    defend : {'own', 'all', 'sector'}
        Whose assets a battery defends (:func:`responsible`).
    cue_confirms : bool
        A cue received before a radar's first look lets that radar confirm a
        track on that first look (it searches where it is told) instead of
        after M of N looks.
    dual_key : bool
        Every launch needs every party's consent (:func:`consent_needed`).
    latency_s : float or None
        When set, replaces every link's fixed latency, s (a distrust
        parameter: checks and relays cost time).
    availability : float or None
        When set, replaces every link's availability, in [0, 1].
    authorisation_delay_s : float
        Median time a party takes to authorise a launch, s; lognormal with
        shape ``authorisation_sigma``; 0 is instant (:func:`draw_authorisation`)
        [assumption].
    authorisation_sigma : float
        Lognormal shape of the authorisation delay (0.5: the 90th percentile
        is about twice the median) [assumption].
    veto_probability : float
        Probability that another party vetoes a given launch; only with a
        dual key (:func:`draw_veto`).
    veto_own_territory : float or None
        Veto probability for a launch whose intercept point lies over the
        vetoing party's territory; None: ``veto_probability``.
    veto_other_battery : float or None
        Veto probability for a launch by another party's battery; None:
        ``veto_probability``.

    Raises
    ------
    JointshieldError
        If a value is of the wrong type or out of its range; the message names
        the parameter and what was expected.
    """

    name: str
    sharing: Sharing
    launch_on_remote: bool
    engage_on_remote: bool
    fused_picture: bool
    defend: Defend
    cue_confirms: bool
    dual_key: bool
    latency_s: float | None = None
    availability: float | None = None
    authorisation_delay_s: float = 0.0
    authorisation_sigma: float = 0.5
    veto_probability: float = 0.0
    veto_own_territory: float | None = None
    veto_other_battery: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise JointshieldError(f"architecture name: expected a name, got {self.name!r}")
        for key in PARAMETERS:
            value = getattr(self, key)
            # Constructed in code, a value must already have its type: a string
            # "false" is read as a boolean only from the command line (with_params).
            if key in _BOOL_FIELDS and not isinstance(value, bool):
                raise JointshieldError(
                    f"{_where(self.name, key)}: expected True or False, got {value!r}"
                )
            if key in _NUMBER_FIELDS and isinstance(value, str):
                raise JointshieldError(
                    f"{_where(self.name, key)}: expected {_NUMBER_FIELDS[key][3]}, got {value!r}"
                )
            object.__setattr__(self, key, _coerce(self.name, key, value))

    def with_params(self, **params: object) -> Architecture:
        """Return this architecture with some parameters changed, validated.

        Values may be typed or strings as the command line gives them
        (``"5"``, ``"false"``, ``"none"``).

        Parameters
        ----------
        **params
            Parameters of :data:`PARAMETERS` and their new values.

        Returns
        -------
        Architecture
            A new architecture of the same name.

        Raises
        ------
        JointshieldError
            For an unknown parameter (the message lists the valid ones and
            suggests the closest), or a value of the wrong type or range.

        Examples
        --------
        >>> architecture("data-exchange").with_params(latency_s="5").latency_s
        5.0
        """
        typed = {key: _coerce(self.name, key, value) for key, value in params.items()}
        return dataclasses.replace(self, **cast(dict[str, Any], typed))

    def overrides(self) -> dict[str, object]:
        """Return the parameters that differ from the preset of the same name (all if none)."""
        base = _PRESETS.get(self.name)
        return {
            key: getattr(self, key)
            for key in PARAMETERS
            if base is None or getattr(self, key) != getattr(base, key)
        }


_PRESETS: Final[Mapping[str, Architecture]] = {
    "national": Architecture(
        name="national",
        sharing="none",
        launch_on_remote=False,
        engage_on_remote=False,
        fused_picture=False,
        defend="own",
        cue_confirms=False,
        dual_key=False,
    ),
    "early-warning": Architecture(
        name="early-warning",
        sharing="early-warning",
        launch_on_remote=False,
        engage_on_remote=False,
        fused_picture=False,
        defend="own",
        cue_confirms=True,
        dual_key=False,
    ),
    "data-exchange": Architecture(
        name="data-exchange",
        sharing="tracks",
        launch_on_remote=True,
        engage_on_remote=False,
        fused_picture=False,
        defend="own",
        cue_confirms=True,
        dual_key=False,
    ),
    "sectoral": Architecture(
        name="sectoral",
        sharing="tracks",
        launch_on_remote=True,
        engage_on_remote=False,
        fused_picture=False,
        defend="sector",
        cue_confirms=True,
        dual_key=False,
    ),
    "joint": Architecture(
        name="joint",
        sharing="tracks",
        launch_on_remote=True,
        engage_on_remote=True,
        fused_picture=True,
        defend="all",
        cue_confirms=True,
        dual_key=True,
    ),
}


def architecture(name: str, **params: object) -> Architecture:
    """Return a preset architecture, with some parameters changed.

    Parameters
    ----------
    name : str
        One of :data:`ARCHITECTURES`.
    **params
        Parameters to change (:meth:`Architecture.with_params`).

    Returns
    -------
    Architecture

    Raises
    ------
    UnknownNameError
        For an unknown name, suggesting the closest.
    JointshieldError
        For an unknown parameter or a bad value.

    Examples
    --------
    >>> architecture("joint", veto_probability=0.1).dual_key
    True
    """
    if name not in _PRESETS:
        raise UnknownNameError("architecture", str(name), ARCHITECTURES)
    return _PRESETS[name].with_params(**params) if params else _PRESETS[name]


def parse_set(items: Sequence[str]) -> dict[str, object]:
    """Read ``NAME=VALUE`` items (``--set``) into typed parameter values.

    Parameters
    ----------
    items : sequence of str
        E.g. ``["latency_s=5", "veto_probability=0.1", "launch_on_remote=false"]``.
        Spaces around the name and the value are ignored; ``none`` clears an
        optional parameter.

    Returns
    -------
    dict
        Parameter name to typed value (bool, float, None or str), for
        :func:`architecture` or :meth:`Architecture.with_params`.

    Raises
    ------
    JointshieldError
        For an item that is not ``NAME=VALUE`` (quoting it), an unknown name,
        a name given twice, or a bad value.

    Examples
    --------
    >>> parse_set(["latency_s=5", "launch_on_remote=no"])
    {'latency_s': 5.0, 'launch_on_remote': False}
    """
    if isinstance(items, str):
        items = [items]  # one item given bare, not a list of its characters
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise JointshieldError(
                f"--set {item!r}: expected NAME=VALUE, e.g. latency_s=5 or launch_on_remote=false"
            )
        if key not in PARAMETERS:
            raise _unknown_parameter("", key)
        if key in out:
            raise JointshieldError(f"--set {item!r}: {key} is set twice")
        out[key] = _coerce("", key, value)
    return out


"""A default split of Europe into a NATO and a Russian sector [assumption].

For scenarios that define no sectors. Coarse polygons (at most 20 vertices
each) split roughly along the borders of NATO with Russia and Belarus, under
internationally recognised borders; a vertex is a border point rounded to
about 0.1°, so a town within some 20 km of a border may fall on the wrong
side. NATO's sector is two overlapping polygons and Russia's three (with
Kaliningrad first, cutting a hole in NATO's), to keep each coarse.

=========================  ========  ============================================
sector                     party     covers
=========================  ========  ============================================
Kaliningrad                Russia    the Kaliningrad region and its coastal waters
NATO north and west        NATO      Europe west of the Russian, Belarusian and
                                     Ukrainian borders, from Iceland and Norway
                                     to the western Mediterranean
NATO south-east and        NATO      Romania, Bulgaria, Greece, Turkey, the
Turkey                               western and southern Black Sea and the
                                     eastern Mediterranean
Russia and Belarus         Russia    European Russia to 66° E, Belarus, Russia's
                                     Black Sea and Azov coasts, the North Caucasus
Caspian approach           Russia    Armenia, most of Azerbaijan, the Caspian Sea
                                     and its eastern shore
=========================  ========  ============================================

Third countries, decided here [assumption]:

* **Belarus: Russia's sector.** In a union state with Russia and, like it, a
  member of the Collective Security Treaty Organization (CSTO).
* **Armenia and Azerbaijan: Russia's sector** (the Caucasus and Caspian
  approach from Iran). Armenia is a CSTO member and hosts a Russian base at
  Gyumri; Russia ran the early-warning radar at Gabala, Azerbaijan, until
  2012. Azerbaijan's Nakhchivan exclave and a strip along the Iranian border
  lie in neither sector.
* **Ukraine (with Crimea), Moldova and Georgia: neither sector.** Neither
  party's ally or host; NATO declared in 2008 (Bucharest) that Ukraine and
  Georgia would become members, which Russia opposes. An intercept over them
  falls back to the target's owner (:func:`responsible`). The middle of the
  Black Sea between the two sectors is left out too.
* **Neutral and non-member states west of the split** (Finland and Sweden,
  members only since 2023 and 2024; Austria, Switzerland, Ireland, the
  non-member Balkans, Cyprus, Malta): NATO's sector, as the coarse polygon
  takes them in.
* **Western Kazakhstan and the Turkmen Caspian shore: Russia's sector**,
  taken in by the coarse polygons (Kazakhstan is a CSTO member).
* Iran, Iraq, Syria, North Africa and the open Atlantic: neither sector.
"""
