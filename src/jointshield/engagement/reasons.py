"""Why a warhead leaks: the reason codes of every engagement, and their order."""

from __future__ import annotations

from typing import Final

import numpy as np

from jointshield.arrays import Int64Array

# --------------------------------------------------------------------------- reasons

ENGAGED: Final = 0
NO_TRACK: Final = 1
NOT_FIRE_CONTROL_QUALITY: Final = 2
OUT_OF_ENVELOPE: Final = 3
TOO_LATE: Final = 4
NO_ROUNDS: Final = 5
NOT_RESPONSIBLE: Final = 6
NOT_AUTHORISED: Final = 7
VETOED: Final = 8
MISSED: Final = 9
NOT_TARGETED: Final = 10

REASONS: Final[tuple[str, ...]] = (
    "engaged",
    "no-track",
    "not-fire-control-quality",
    "out-of-envelope",
    "too-late",
    "no-rounds",
    "not-responsible",
    "not-authorised",
    "vetoed",
    "missed",
    "not-targeted",
)

REASON_PRIORITY: Final[tuple[int, ...]] = (
    NO_ROUNDS,
    NOT_TARGETED,
    VETOED,
    NOT_AUTHORISED,
    NOT_RESPONSIBLE,
    TOO_LATE,
    OUT_OF_ENVELOPE,
    NOT_FIRE_CONTROL_QUALITY,
    NO_TRACK,
)

# The codes a caller may put in ``blocked``: 1-8 (0 = the pair can engage).
_CALLER_CODES: Final = frozenset(range(NO_TRACK, VETOED + 1))

# rank[code] = position in REASON_PRIORITY; codes that cannot describe a pair
# of a threat never engaged rank last.
_RANK: Final[Int64Array] = np.full(len(REASONS), len(REASONS), dtype=np.int64)
