"""Data links between the parties, sharing policies, and track-to-track fusion.

Model
-----
The cooperation debated from 2010 to 2013 was about exchanging threat data
between two parties' systems, directly or through a joint data-fusion centre.
A :class:`Network` holds the parties and the :class:`LinkModel` s between them
(or between a party and the fusion centre, :data:`FUSION_CENTRE`). A message
from one party to another takes the direct link if there is one, otherwise the
two hops through the fusion centre. On each hop it is delayed by the link's
latency, it is lost if the link is down at the moment the message is sent over
that hop, and it passes only if the link's sharing policy lets that kind of
message through (:func:`allows`).

Link failures are an alternating renewal process (a two-state Markov chain in
continuous time): up and down periods alternate, with exponential durations of
means ``mean_outage_s·A/(1−A)`` and ``mean_outage_s``, so that the long-run
fraction of time up is the availability ``A``. Scripted outages (a joint
exercise's faults) force a link down on top of that.

Tracks that reach a party are combined with its own by track-to-track fusion.
Two parties' tracks of the same threat have correlated errors (common process
noise, shared prior, data exchanged before) whose cross-covariance nobody
keeps, so the default is covariance intersection (:func:`covariance_intersection`),
which is consistent whatever that correlation; :func:`information_fusion` is
the optimal rule when the errors are independent. :func:`fuse_delayed` first
brings a track that arrives late to the time of the other.

Sources
-------
* Julier & Uhlmann 1997: S. J. Julier, J. K. Uhlmann, "A non-divergent
  estimation algorithm in the presence of unknown correlations", *Proceedings
  of the 1997 American Control Conference*, vol. 4, pp. 2369-2373: covariance
  intersection and its consistency for any cross-correlation.
* BLK 2001: Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with
  Applications to Tracking and Navigation*, Wiley, 2001: the Kalman update and
  its information form (ch. 5 and 7).
* Bar-Shalom 1981: Y. Bar-Shalom, "On the track-to-track correlation problem",
  *IEEE Trans. Automatic Control* 26(2), 1981, pp. 571-572; Bar-Shalom &
  Campo 1986: "The effect of the common process noise on the two-sensor
  fused-track covariance", *IEEE Trans. Aerospace and Electronic Systems*
  22(6), 1986, pp. 803-805: why two sensors' tracks of one target are
  correlated although their measurement noises are not.
* Kleinrock 1975: L. Kleinrock, *Queueing Systems*, vol. 1, Wiley, 1975,
  ch. 3: the time a message spends in an M/M/1 queue is exponential, the
  reason for the shifted-exponential latency model.

Conventions
-----------
SI units: times in s on the scenario clock. Estimates are arrays with the
state on the last axis, ``x`` of shape ``(..., d)`` and covariance ``P`` of
shape ``(..., d, d)``; leading axes (trials, threats) broadcast. Random draws
come from one :class:`numpy.random.Generator` passed in; without one, every
function here is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import BoolArray, FloatArray
from jointshield.compiled import njit
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.vocabulary import FUSION_CENTRE, MEAN_OUTAGE_S, SHARING_POLICIES, Sharing

MessageKind = Literal["cue", "track"]
"""A cue (launch detected, launch area, rough azimuth) or a full track."""

"""The sharing policies, in the order of :data:`Sharing`."""

_KINDS: Final[tuple[str, ...]] = get_args(MessageKind)

# The sets of messages the policies let through are nested (none ⊂
# early-warning ⊂ tracks-own-territory ⊂ tracks), so the policy of a path of
# several links, the intersection of theirs, is simply the lowest in this rank.
_OPENNESS: Final[dict[str, int]] = {
    "none": 0,
    "early-warning": 1,
    "tracks-own-territory": 2,
    "tracks": 3,
}

PredictFn = Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
"""``predict(x, P, dt_s) -> (x, P)``: propagate estimates by ``dt_s`` (shape ``(...)``)."""


# --------------------------------------------------------------------------- policies


def _check_policy(policy: str) -> None:
    if policy not in SHARING_POLICIES:
        raise UnknownNameError("sharing policy", str(policy), SHARING_POLICIES)


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise UnknownNameError("message kind", str(kind), _KINDS)


def _strictest(policies: Iterable[Sharing]) -> Sharing:
    """Return the policy that lets through only what every one of ``policies`` does."""
    return min(policies, key=_OPENNESS.__getitem__)


def allows(policy: Sharing, kind: MessageKind, threat_targets_receiver: ArrayLike) -> BoolArray:
    """Whether a sharing policy lets a message through, per threat.

    Parameters
    ----------
    policy : {'none', 'early-warning', 'tracks', 'tracks-own-territory'}
        ``none``: nothing. ``early-warning``: cues only (launch detected, launch
        area, rough azimuth). ``tracks``: cues and full tracks.
        ``tracks-own-territory``: cues, and tracks only of threats predicted to
        land on the receiving party's territory.
    kind : {'cue', 'track'}
        The kind of message.
    threat_targets_receiver : array_like of bool
        Whether each threat is predicted to land on the receiver's territory.

    Returns
    -------
    ndarray of bool
        Same shape as ``threat_targets_receiver``.

    Raises
    ------
    UnknownNameError
        If ``policy`` or ``kind`` is not one of those above.

    Examples
    --------
    >>> allows("tracks-own-territory", "track", [True, False]).tolist()
    [True, False]
    >>> allows("early-warning", "cue", [True, False]).tolist()
    [True, True]
    """
    _check_policy(policy)
    _check_kind(kind)
    targets = np.asarray(threat_targets_receiver, dtype=bool)
    if policy == "none":
        return np.zeros(targets.shape, dtype=bool)
    if kind == "cue" or policy == "tracks":
        return np.ones(targets.shape, dtype=bool)
    if policy == "early-warning":
        return np.zeros(targets.shape, dtype=bool)
    return targets.copy()  # tracks-own-territory


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Outage:
    """A scripted window on the scenario clock when a link is down.

    The link is down for ``start_s <= t < end_s``.

    Parameters
    ----------
    start_s, end_s : float
        Start and end, s on the scenario clock.
    """

    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start_s) and math.isfinite(self.end_s)):
            raise JointshieldError(
                f"outage: expected finite start_s and end_s, got {self.start_s}, {self.end_s}"
            )
        if self.end_s < self.start_s:
            raise JointshieldError(
                f"outage: expected end_s >= start_s, got start_s={self.start_s}, end_s={self.end_s}"
            )

    def covers(self, t_s: ArrayLike) -> BoolArray:
        """Whether each time in ``t_s`` lies in the window (False for NaN)."""
        t = np.asarray(t_s, dtype=float)
        return (t >= self.start_s) & (t < self.end_s)


def _outage_from(item: Any) -> Outage:
    """Read an outage from an Outage, an object or mapping with start_s and end_s, or a pair."""
    if isinstance(item, Outage):
        return item
    if hasattr(item, "start_s") and hasattr(item, "end_s"):
        return Outage(float(item.start_s), float(item.end_s))
    if isinstance(item, dict):
        return Outage(float(item["start_s"]), float(item["end_s"]))
    start_s, end_s = item
    return Outage(float(start_s), float(end_s))


@dataclass(frozen=True)
class LinkModel:
    """A data link between two parties, or between a party and the fusion centre.

    Parameters
    ----------
    name : str
        Name, for reports.
    a, b : str
        End points: party names or :data:`FUSION_CENTRE`. A one-way link
        carries data from ``a`` to ``b`` only.
    latency_s : float
        Fixed part of the delay from sending to receiving, s (transmission and
        message processing).
    latency_jitter_s : float
        Mean of the random part of the delay, s. Each message's latency is
        ``latency_s + Exponential(latency_jitter_s)``: a fixed delay plus the
        time spent in a queue, which is exponential for an M/M/1 queue
        (Kleinrock 1975, ch. 3); the simplest model with a floor and a tail.
    availability : float
        Long-run fraction of time the link is up, in [0, 1].
    mean_outage_s : float
        Mean duration of a random outage, s. With availability ``A`` the mean
        time up between outages is ``mean_outage_s·A/(1−A)``.
    outages : tuple of Outage
        Scripted windows when the link is down, whatever the random draws.
    two_way : bool
        Whether the link also carries data from ``b`` to ``a``.
    sharing : {'none', 'early-warning', 'tracks', 'tracks-own-territory'}
        What the link lets through (:func:`allows`).

    Raises
    ------
    JointshieldError
        If a number is out of its range, the end points are the same, or the
        sharing policy is unknown.
    """

    name: str
    a: str
    b: str
    latency_s: float
    latency_jitter_s: float = 0.0
    availability: float = 1.0
    mean_outage_s: float = MEAN_OUTAGE_S
    outages: tuple[Outage, ...] = field(default=())
    two_way: bool = True
    sharing: Sharing = "tracks"

    def __post_init__(self) -> None:
        where = f"link {self.name!r}"
        if self.a == self.b:
            raise JointshieldError(f"{where}: expected two different end points, got {self.a!r}")
        for key, value in (
            ("latency_s", self.latency_s),
            ("latency_jitter_s", self.latency_jitter_s),
        ):
            if not (math.isfinite(value) and value >= 0.0):
                raise JointshieldError(f"{where} {key}: expected a number >= 0, got {value}")
        if not 0.0 <= self.availability <= 1.0:
            raise JointshieldError(
                f"{where} availability: expected a number in [0, 1], got {self.availability}"
            )
        if not (math.isfinite(self.mean_outage_s) and self.mean_outage_s > 0.0):
            raise JointshieldError(
                f"{where} mean_outage_s: expected a positive number, got {self.mean_outage_s}"
            )
        _check_policy(self.sharing)
        # Accept any iterable of outages (a list from hand-written code) but keep a tuple.
        object.__setattr__(self, "outages", tuple(_outage_from(o) for o in self.outages))

    @property
    def mean_up_s(self) -> float:
        """Mean duration of an up period, s (``inf`` when the link never fails)."""
        if self.availability >= 1.0:
            return math.inf
        return self.mean_outage_s * self.availability / (1.0 - self.availability)

    def connects(self, sender: str, receiver: str) -> bool:
        """Whether the link carries data from ``sender`` to ``receiver``."""
        if (sender, receiver) == (self.a, self.b):
            return True
        return self.two_way and (sender, receiver) == (self.b, self.a)

    def scripted_down(self, t_s: ArrayLike) -> BoolArray:
        """Whether each time lies in one of the scripted outages."""
        t = np.asarray(t_s, dtype=float)
        down = np.zeros(t.shape, dtype=bool)
        for outage in self.outages:
            down |= outage.covers(t)
        return down

    def draw_up(self, t_s: ArrayLike, rng: np.random.Generator, n_trials: int) -> BoolArray:
        """Draw whether the link is up at each time, in each trial.

        Random failures are an alternating renewal process with exponential
        up and down periods (means :attr:`mean_up_s` and ``mean_outage_s``),
        started in its stationary state at the earliest time asked: up with
        probability ``availability``, and by the exponentials' lack of memory
        the first period's remainder has the same law as a whole period. So
        at every time the link is up with probability ``availability``,
        and times close together are correlated as on a real link. Scripted
        outages are then forced down. Trials are independent.

        Parameters
        ----------
        t_s : array_like of float, shape (...)
            Times on the scenario clock, s, in any order. NaN counts as down.
        rng : numpy.random.Generator
            Source of the draws.
        n_trials : int
            Number of independent trials.

        Returns
        -------
        ndarray of bool, shape (n_trials, ...)

        Notes
        -----
        Work and memory grow as ``n_trials`` times the number of state
        switches within the span of ``t_s`` (about ``2·span/(mean up + mean
        down)``), plus the number of times.
        """
        t = np.asarray(t_s, dtype=float)
        if n_trials < 0:
            raise JointshieldError(f"n_trials: expected a number >= 0, got {n_trials}")
        return self._random_up(t.reshape(-1), rng, n_trials).reshape((n_trials, *t.shape))

    def draw_latency(
        self, rng: np.random.Generator | None, shape: int | Sequence[int]
    ) -> FloatArray:
        """Draw one latency per message, s: ``latency_s + Exponential(latency_jitter_s)``.

        Without jitter (or without ``rng``) every latency is ``latency_s`` and
        nothing is drawn.
        """
        size = (shape,) if isinstance(shape, int) else tuple(shape)
        if rng is None or self.latency_jitter_s == 0.0:
            return np.full(size, self.latency_s)
        return self.latency_s + rng.exponential(self.latency_jitter_s, size)

    def _fixed_up(self, t_s: FloatArray) -> BoolArray:
        """Deterministic up-state: up except in scripted outages (and when never up)."""
        if self.availability == 0.0:
            return np.zeros(t_s.shape, dtype=bool)
        return ~self.scripted_down(t_s)

    def _random_up(self, t_s: FloatArray, rng: np.random.Generator, n: int) -> BoolArray:
        """Up-state at times ``t_s``, shape (n, k), in n independent realisations.

        ``t_s`` is (k,), the same times in every realisation, or (n, k).
        """
        k = t_s.shape[-1]
        finite = np.broadcast_to(np.isfinite(t_s), (n, k))
        availability = self.availability
        if availability >= 1.0 or not finite.any():
            up = np.ones((n, k), dtype=bool)
        elif availability <= 0.0:
            up = np.zeros((n, k), dtype=bool)
        else:
            given = t_s[np.isfinite(t_s)]
            t0_s, t1_s = float(given.min()), float(given.max())
            mean_up_s, mean_down_s = self.mean_up_s, self.mean_outage_s
            up0: BoolArray = np.asarray(rng.random((n,)) < availability)
            # Draw switch times in blocks sized to cover the span in one go
            # almost always; the loop only runs again for the rare slow rows.
            expected = 2.0 * (t1_s - t0_s) / (mean_up_s + mean_down_s)
            block = math.ceil(expected + 5.0 * math.sqrt(expected) + 2.0)
            blocks: list[FloatArray] = []
            last_s = np.full(n, t0_s)
            column = 0
            while True:
                # Period j of a row is up when (up0 XOR j odd): periods alternate.
                odd = (np.arange(column, column + block) % 2).astype(bool)
                period_up = up0[:, None] ^ odd[None, :]
                durations_s = rng.standard_exponential((n, block)) * np.where(
                    period_up, mean_up_s, mean_down_s
                )
                switches_s = last_s[:, None] + np.cumsum(durations_s, axis=1)
                blocks.append(switches_s)
                last_s = switches_s[:, -1]
                column += block
                if bool(np.all(last_s > t1_s)):
                    break
            n_switched = _count_at_or_before(np.concatenate(blocks, axis=1), t_s)
            up = up0[:, None] ^ (n_switched % 2 == 1)
        return np.asarray(up & finite & ~self.scripted_down(t_s), dtype=bool)


@njit
def _count_rows(switches_s: FloatArray, t_s: FloatArray, out: NDArray[np.intp]) -> None:
    """``out[r, i]``: how many of row r's increasing switches are <= ``t_s[r or 0, i]``.

    A binary search (upper bound) per time; a NaN time counts none.
    """
    n, m = switches_s.shape
    shared = t_s.shape[0] == 1
    for r in range(n):
        row_t = 0 if shared else r
        for i in range(t_s.shape[1]):
            t = t_s[row_t, i]
            lo, hi = 0, m
            while lo < hi:
                mid = (lo + hi) >> 1
                if switches_s[r, mid] <= t:
                    lo = mid + 1
                else:
                    hi = mid
            out[r, i] = lo


def _count_at_or_before(switches_s: FloatArray, t_s: FloatArray) -> NDArray[np.intp]:
    """Per row, how many of the increasing ``switches_s`` (n, m) are <= each of ``t_s``.

    ``t_s`` is (k,), shared by the rows, or (n, k); the result is (n, k). A
    compiled binary search per row and time (:func:`_count_rows`); where a
    time is NaN the count is 0 (the caller masks non-finite times).
    """
    times = np.atleast_2d(np.asarray(t_s, dtype=np.float64))
    out = np.empty((switches_s.shape[0], times.shape[1]), dtype=np.intp)
    _count_rows(np.ascontiguousarray(switches_s, dtype=np.float64), times, out)
    return out


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class Network:
    """The parties and the data links between them and the fusion centre.

    Parameters
    ----------
    parties : tuple of str
        Party names (not :data:`FUSION_CENTRE`).
    links : tuple of LinkModel
        Links whose end points are parties or the fusion centre.

    Raises
    ------
    JointshieldError
        If a party is named twice or is named like the fusion centre, or a
        link's end point is not a party or the fusion centre.
    """

    parties: tuple[str, ...]
    links: tuple[LinkModel, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "parties", tuple(self.parties))
        object.__setattr__(self, "links", tuple(self.links))
        if len(set(self.parties)) != len(self.parties):
            raise JointshieldError(f"network: a party is named twice in {list(self.parties)}")
        if FUSION_CENTRE in self.parties:
            raise JointshieldError(
                f"network: {FUSION_CENTRE!r} is reserved for the fusion centre, not a party"
            )
        for link in self.links:
            for end in (link.a, link.b):
                if end not in self.parties and end != FUSION_CENTRE:
                    raise UnknownNameError(
                        f"end point of link {link.name!r}", end, (*self.parties, FUSION_CENTRE)
                    )

    def _check_party(self, name: str) -> None:
        if name not in self.parties and name != FUSION_CENTRE:
            raise UnknownNameError("party", name, (*self.parties, FUSION_CENTRE))

    def _link(self, sender: str, receiver: str) -> LinkModel | None:
        for link in self.links:
            if link.connects(sender, receiver):
                return link
        return None

    def path(self, sender: str, receiver: str) -> tuple[LinkModel, ...]:
        """Return the links a message from ``sender`` to ``receiver`` takes.

        The first listed direct link that carries it, else the two hops
        ``sender -> fusion -> receiver`` where both exist, else ``()`` (no
        path). A party needs no link to itself: ``path(p, p)`` is ``()``
        too, and :meth:`deliver` treats it as instantaneous.

        Raises
        ------
        UnknownNameError
            If ``sender`` or ``receiver`` is neither a party nor the fusion
            centre; the message suggests the closest name.
        """
        self._check_party(sender)
        self._check_party(receiver)
        if sender == receiver:
            return ()
        direct = self._link(sender, receiver)
        if direct is not None:
            return (direct,)
        if FUSION_CENTRE in (sender, receiver):
            return ()
        up = self._link(sender, FUSION_CENTRE)
        down = self._link(FUSION_CENTRE, receiver)
        if up is None or down is None:
            return ()
        return (up, down)

    def path_policy(self, sender: str, receiver: str) -> Sharing:
        """Return the path's sharing policy: the strictest of its links' (``none`` if no path)."""
        hops = self.path(sender, receiver)
        if sender == receiver:
            return "tracks"
        return _strictest(h.sharing for h in hops) if hops else "none"

    def deliver(
        self,
        sender: str,
        receiver: str,
        t_send_s: ArrayLike,
        kind: MessageKind,
        targets_receiver: ArrayLike,
        rng: np.random.Generator | None = None,
        n_trials: int | None = None,
    ) -> FloatArray:
        """Arrival times at ``receiver`` of messages sent by ``sender``.

        Each hop of :meth:`path` adds its latency; a message is lost (NaN)
        if any link is down at the moment the message is sent over it (each
        hop's state is evaluated at that hop's send time, so a message
        already in flight when a link fails still arrives), or if the path's
        policy, the strictest of its links', forbids the kind
        (:func:`allows`, with the final receiver's territory). A lost message
        is not resent. A party's own data arrive at once; with no path every
        message is lost.

        Parameters
        ----------
        sender, receiver : str
            Party names or :data:`FUSION_CENTRE`.
        t_send_s : array_like of float, shape (...)
            Send times, s on the scenario clock; NaN (nothing to send) stays NaN.
        kind : {'cue', 'track'}
            The kind of message.
        targets_receiver : array_like of bool, broadcastable to (...)
            Whether each message's threat is predicted to land on the
            receiver's territory (matters for ``tracks-own-territory``).
        rng : numpy.random.Generator or None
            Source of random outages and latency jitter. None: deterministic,
            with fixed latencies and links up except in scripted outages (and
            links of availability 0, which are never up).
        n_trials : int or None
            Number of independent trials; the result then has a leading axis
            of this length. None: no trial axis.

        Returns
        -------
        ndarray of float, shape ([n_trials,] ...)
            Arrival times, s, NaN where the message is lost.

        Raises
        ------
        UnknownNameError
            For an unknown party, policy or kind.
        """
        hops = self.path(sender, receiver)
        _check_kind(kind)
        t = np.asarray(t_send_s, dtype=float)
        targets = np.asarray(targets_receiver, dtype=bool)
        shape = np.broadcast_shapes(t.shape, targets.shape)
        lead: tuple[int, ...] = () if n_trials is None else (n_trials,)
        t_hop_s = np.array(np.broadcast_to(t, (*lead, *shape)), dtype=float)
        if sender == receiver:
            return t_hop_s
        if not hops:
            return np.full(t_hop_s.shape, np.nan)
        passed = np.broadcast_to(
            allows(_strictest(h.sharing for h in hops), kind, targets), t_hop_s.shape
        )
        alive = np.array(passed, dtype=bool)
        rows = 1 if n_trials is None else n_trials
        per_row = math.prod(shape)
        for hop in hops:
            if rng is None:
                alive &= hop._fixed_up(t_hop_s)
            else:
                up = hop._random_up(t_hop_s.reshape(rows, per_row), rng, rows)
                alive &= up.reshape(t_hop_s.shape)
            t_hop_s = t_hop_s + hop.draw_latency(rng, t_hop_s.shape)
        return np.where(alive, t_hop_s, np.nan)
