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

==============  =============  ===========  =====  ======  ========================
name            sharing        other        fused  defend  dual key
                               party's
                               tracks
==============  =============  ===========  =====  ======  ========================
national        none           no           no     own     no
early-warning   early-warning  no           no     own     no
data-exchange   tracks         yes          no     own     no
sectoral        tracks         yes          no     sector  no
joint           tracks         yes          yes    all     yes (consent 30 s, veto
                                                           0.05 per engagement)
==============  =============  ===========  =====  ======  ========================

* ``national``: the baseline, no cooperation. Each party detects, decides and
  fires with its own assets, for its own territory.
* ``early-warning``: the first step Russian experts proposed, integrating the
  early-warning systems. The parties exchange cues only (launch detected,
  rough track); no fire-control data. A cue lets a radar search a small
  volume and acquire earlier (:meth:`jointshield.sensing.radar.Radar.cued_range_gain`),
  and lets a decision start early (``authorise_from``).
* ``data-exchange``: NATO's position in 2011, "two independent but connected
  systems" (project brief): a joint data-fusion centre exchanges threat
  tracks, and each party still decides and fires alone, for its own assets.
  NATO's Secretary General Anders Fogh Rasmussen gave the reason: "we cannot
  outsource our collective defence obligations" (as quoted in the project
  brief). A battery may fire on the other party's track in the modes its
  weapon system has (``other_party_tracks``); each party fuses its own
  sensors' tracks, and the other party's tracks are used one by one.
* ``sectoral``: Russia's proposal around the NATO-Russia Council summit in
  Lisbon, November 2010. Europe is cut into sectors, and each party must
  intercept whatever overflies its sector, whatever the target: one party's
  safety depends on the other's interceptors (:func:`responsible`,
  :func:`sector_owner`, :data:`DEFAULT_SECTORS`).
* ``joint``: Russia's position in 2011, "a single system with equal authority
  in decision making and interceptor launches" (project brief). One fused
  picture (every battery's fire-control track fuses both parties' sensors)
  and one command: every launch needs both parties' consent (a dual key),
  which costs time (``consent_delay_s``) and can be vetoed
  (``veto_probability``, ``veto_scope``).

Capabilities are not architecture
---------------------------------
Whether a battery can launch on another radar's track (its own radar taking
over before the intercept) or fly a whole engagement on it is a property of
its weapon system and era, written on the interceptor type and the battery
in the scenario with its source (e.g. launch on remote in FTM-15, April
2011). An architecture changes only what crosses between the parties
(``sharing``), whether a battery may use the other party's tracks
(``other_party_tracks``), whether both parties' tracks are fused into one
picture (``fused_picture``), who is responsible (``defend``) and who decides
(``dual_key`` with its costs). A party always uses its own sensors' data as
its systems allow, in every architecture.

Decisions
---------
* **Every launch decision takes the authorisation delay**, in every
  architecture: a party deciding alone still decides
  (``authorisation_delay_s``, 0 by default: instant). A dual key adds the
  other party's consent, taken in parallel (``consent_delay_s``), so a
  launch waits for the slower of the two (:func:`draw_authorisation`).
* **Only a dual key can veto.** A party deciding alone never vetoes its own
  launches; in ``joint`` each consenting party other than the launching
  battery's may veto (:func:`draw_veto`), launch by launch, battery by
  battery, or once for the whole raid (``veto_scope``).
* **Outside every sector the target's owner defends.** In ``sectoral``, an
  intercept point that lies in no sector (over Iran, the open sea, or a third
  country left out of both sectors) falls back to the national rule: the
  party whose asset is threatened is responsible. A sector owned by a name
  that is no party (say ``nobody``) is a true gap that no battery covers.

Parameters of the distrust studies (latency, availability, authorisation
delay, consent delay, veto probabilities) are assumptions of the user's
study, not data. The defaults are instant authorisation and the scenario's
own links in every architecture; the ``joint`` preset's dual key costs a
median 30 s of consent and a veto probability of 0.05 per engagement
[assumptions: no public figure exists for a consent procedure that was never
agreed; half a minute is a pre-agreed procedure between two command centres
over a joint centre, and one launch in twenty refused is a distrust that a
study should vary]. ``jointshield architectures`` lists them.

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
from jointshield.vocabulary import SHARING_POLICIES, Sharing, truth

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

TrackUse = Literal["organic", "engage-on-remote", "launch-on-remote", "cue-only", "barred"]
"""How a battery may use a radar's track; see :func:`may_use_track`."""

TRACK_USES: Final[Mapping[str, str]] = {
    "organic": "the battery's own radar, at its site: the whole engagement on its track",
    "engage-on-remote": "another radar's track: the whole engagement on it, no organic radar",
    "launch-on-remote": (
        "another radar's track: launch on it, the organic radar taking over before the intercept"
    ),
    "cue-only": (
        "another radar's track: the battery's weapon system cannot fire on it, but it "
        "cues the battery's own radar"
    ),
    "barred": "the other party's track: the architecture keeps it out of fire control",
}
"""What each :data:`TrackUse` means, for reports."""

PARAMETERS: Final[Mapping[str, str]] = {
    "sharing": (
        "what every link lets through: none, early-warning (cues), tracks, or "
        "tracks-own-territory (tracks of threats to the receiver only)"
    ),
    "other_party_tracks": (
        "true/false: a battery may fire on the other party's tracks, in the modes its "
        "weapon system has (launch or engage on remote)"
    ),
    "fused_picture": (
        "true/false: each battery's fire-control track fuses both parties' sensors "
        "(else its own party's, the other's used one by one)"
    ),
    "defend": (
        "own (the battery party's assets), all (every asset), or sector (whatever "
        "overflies the party's sector)"
    ),
    "dual_key": "true/false: every launch needs every party's consent",
    "latency_s": "s in [0, 86400], or none: replaces every link's fixed latency",
    "availability": "in [0, 1], or none: replaces every link's availability",
    "authorisation_delay_s": (
        "s in [0, 86400]: median time a party takes to authorise its own launch "
        "(lognormal; 0 = instant)"
    ),
    "authorisation_sigma": "dimensionless in [0, 10]: lognormal shape of both delays",
    "consent_delay_s": (
        "s in [0, 86400]: median time the other party takes to consent to a launch "
        "(dual key only; lognormal)"
    ),
    "authorise_from": (
        "fire-control (the decision starts when the track is good enough to launch on) "
        "or cue (it starts at the party's first cue or track of the threat)"
    ),
    "veto_probability": "in [0, 1]: probability that another party vetoes a launch (dual key)",
    "veto_own_territory": (
        "in [0, 1], or none: veto probability when the intercept point lies over the "
        "vetoing party's territory (none = veto_probability)"
    ),
    "veto_other_battery": (
        "in [0, 1], or none: veto probability for launches by another party's battery "
        "(none = veto_probability)"
    ),
    "veto_scope": (
        "engagement (each launch decided alone), battery (one decision per battery "
        "and raid) or party (one decision per vetoing party and raid)"
    ),
}
"""Every parameter a user may set (``--set NAME=VALUE``), with its unit and meaning."""

MOVED: Final[Mapping[str, str]] = {
    "launch_on_remote": (
        "launch on remote is a battery's capability: set launch_on_remote on its interceptor "
        "type or battery in the scenario; whether it may use the other party's tracks is "
        "other_party_tracks"
    ),
    "engage_on_remote": (
        "engage on remote is a battery's capability: set engage_on_remote on its interceptor "
        "type or battery in the scenario"
    ),
    "cue_confirms": (
        "a cue now acts through cued acquisition (a sensor's cued_search_sr) and authorise_from=cue"
    ),
}
"""Parameters of earlier versions and where what they did lives now."""

_NONE: Final = frozenset({"none", "null"})

_BOOL_FIELDS: Final = frozenset({"other_party_tracks", "fused_picture", "dual_key"})
_DAY_S: Final = 86_400.0
"""Longest latency or authorisation delay, s: a raid is over in well under an hour."""

# (lower bound, upper bound, may be None, what is expected)
_NUMBER_FIELDS: Final[Mapping[str, tuple[float, float, bool, str]]] = {
    "latency_s": (0.0, _DAY_S, True, "a number of s in [0, 86400] (a day), or none"),
    "availability": (0.0, 1.0, True, "a number in [0, 1], or none"),
    "authorisation_delay_s": (0.0, _DAY_S, False, "a number of s in [0, 86400] (a day)"),
    "authorisation_sigma": (0.0, 10.0, False, "a number in [0, 10]"),
    "consent_delay_s": (0.0, _DAY_S, False, "a number of s in [0, 86400] (a day)"),
    "veto_probability": (0.0, 1.0, False, "a probability in [0, 1]"),
    "veto_own_territory": (0.0, 1.0, True, "a probability in [0, 1], or none"),
    "veto_other_battery": (0.0, 1.0, True, "a probability in [0, 1], or none"),
}
AuthoriseFrom = Literal["fire-control", "cue"]
"""When a launch decision starts; see :class:`Architecture`."""

VetoScope = Literal["engagement", "battery", "party"]
"""How vetoes are correlated; see :func:`jointshield.architectures.rules.draw_veto`."""

_CHOICE_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "sharing": SHARING_POLICIES,
    "defend": DEFENCE_MODES,
    "authorise_from": get_args(AuthoriseFrom),
    "veto_scope": get_args(VetoScope),
}
_CHOICE_KIND: Final[Mapping[str, str]] = {
    "sharing": "sharing policy",
    "defend": "defence mode",
    "authorise_from": "start of authorisation",
    "veto_scope": "veto scope",
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
        read = truth(value)
        if read is not None:
            return read
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
            raise JointshieldError(
                f"{_where(arch, key)}: {unknown_name_message(_CHOICE_KIND[key], str(value), known)}"
            )
        return choice
    raise _unknown_parameter(arch, key)


def _unknown_parameter(arch: str, key: str) -> JointshieldError:
    """Build the error for a parameter that does not exist, listing every one."""
    if key in MOVED:
        return JointshieldError(f"{key} is no longer an architecture's parameter: {MOVED[key]}")
    guess = closest(key, PARAMETERS)
    hint = f"; did you mean {guess!r}?" if guess else ""
    why = " (the name chooses the architecture, it is not a parameter)" if key == "name" else ""
    where = f" of architecture {arch!r}" if arch else ""
    return JointshieldError(
        f"unknown parameter {key!r}{where}{why}{hint} (valid: {', '.join(PARAMETERS)}; "
        "and the battle rules that `jointshield architectures` lists)"
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
    other_party_tracks : bool
        May a battery fire on the other party's tracks, in the modes its
        weapon system has (:func:`~jointshield.architectures.rules.may_use_track`)?
    fused_picture : bool
        One fused picture: a battery's fire-control track fuses the tracks
        of both parties' sensors (covariance intersection). Without it, a
        party fuses its own sensors' tracks and uses the other party's one
        by one.
    defend : {'own', 'all', 'sector'}
        Whose assets a battery defends (:func:`responsible`).
    dual_key : bool
        Every launch needs every party's consent (:func:`consent_needed`).
    latency_s : float or None
        When set, replaces every link's fixed latency, s (a distrust
        parameter: checks and relays cost time).
    availability : float or None
        When set, replaces every link's availability, in [0, 1].
    authorisation_delay_s : float
        Median time a party takes to authorise its own launch, s; lognormal
        with shape ``authorisation_sigma``; 0 is instant
        (:func:`draw_authorisation`) [assumption].
    authorisation_sigma : float
        Lognormal shape of the authorisation and consent delays (0.5: the
        90th percentile is about twice the median) [assumption].
    consent_delay_s : float
        With a dual key: median time each other party takes to consent to a
        launch, s (lognormal, in parallel with the launching party's own
        decision); unused without a dual key [assumption].
    authorise_from : {'fire-control', 'cue'}
        When the decision starts: when a track is good enough to launch on,
        or at the party's first cue or track of the threat, so that the
        decision's time is spent while the track matures.
    veto_probability : float
        Probability that another party vetoes a given launch; only with a
        dual key (:func:`draw_veto`).
    veto_own_territory : float or None
        Veto probability for a launch whose intercept point lies over the
        vetoing party's territory; None: ``veto_probability``.
    veto_other_battery : float or None
        Veto probability for a launch by another party's battery; None:
        ``veto_probability``.
    veto_scope : {'engagement', 'battery', 'party'}
        How vetoes are correlated within a trial: each launch decided on its
        own, one decision per battery for the whole raid, or one per vetoing
        party for the whole raid.

    Raises
    ------
    JointshieldError
        If a value is of the wrong type or out of its range; the message names
        the parameter and what was expected.
    """

    name: str
    sharing: Sharing
    other_party_tracks: bool
    fused_picture: bool
    defend: Defend
    dual_key: bool
    latency_s: float | None = None
    availability: float | None = None
    authorisation_delay_s: float = 0.0
    authorisation_sigma: float = 0.5
    consent_delay_s: float = 0.0
    authorise_from: AuthoriseFrom = "fire-control"
    veto_probability: float = 0.0
    veto_own_territory: float | None = None
    veto_other_battery: float | None = None
    veto_scope: VetoScope = "engagement"

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


JOINT_CONSENT_DELAY_S: Final = 30.0
"""The ``joint`` preset's median consent delay, s [assumption; see the module's notes]."""
JOINT_VETO_PROBABILITY: Final = 0.05
"""The ``joint`` preset's veto probability per engagement [assumption]."""

_PRESETS: Final[Mapping[str, Architecture]] = {
    "national": Architecture(
        name="national",
        sharing="none",
        other_party_tracks=False,
        fused_picture=False,
        defend="own",
        dual_key=False,
    ),
    "early-warning": Architecture(
        name="early-warning",
        sharing="early-warning",
        other_party_tracks=False,
        fused_picture=False,
        defend="own",
        dual_key=False,
    ),
    "data-exchange": Architecture(
        name="data-exchange",
        sharing="tracks",
        other_party_tracks=True,
        fused_picture=False,
        defend="own",
        dual_key=False,
    ),
    "sectoral": Architecture(
        name="sectoral",
        sharing="tracks",
        other_party_tracks=True,
        fused_picture=False,
        defend="sector",
        dual_key=False,
    ),
    "joint": Architecture(
        name="joint",
        sharing="tracks",
        other_party_tracks=True,
        fused_picture=True,
        defend="all",
        dual_key=True,
        consent_delay_s=JOINT_CONSENT_DELAY_S,
        veto_probability=JOINT_VETO_PROBABILITY,
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
        E.g. ``["latency_s=5", "veto_probability=0.1", "other_party_tracks=false"]``.
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
    >>> parse_set(["latency_s=5", "other_party_tracks=no"])
    {'latency_s': 5.0, 'other_party_tracks': False}
    """
    if isinstance(items, str):
        items = [items]  # one item given bare, not a list of its characters
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise JointshieldError(
                f"--set {item!r}: expected NAME=VALUE, e.g. latency_s=5 or other_party_tracks=false"
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
