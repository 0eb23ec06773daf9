"""What the round planner takes in and gives back: plain frozen dataclasses, no behaviour.

People are identified by opaque ids (``int`` or ``str``, as the service stores them); the
engine only compares and hashes them, and keeps the caller's order wherever order shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

PersonId = int | str

MeetingPreference = Literal["in_person", "online", "either"]
MEETING_PREFERENCES: tuple[str, ...] = ("in_person", "online", "either")

RegionRelation = Literal["same", "neighbour", "distant"]

# Why someone is not in any group this round.
UnmatchedReason = Literal[
    "excluded",  # the coordinator took them out of this round (paused, on leave, ...)
    "no_allowed_partner",  # the hard rules leave nobody they could be paired with
    "partners_taken",  # allowed partners exist, but all are better used elsewhere
]

# The hard rules that forbid grouping two people, in the order they are checked.
HardRule = Literal[
    "kept_apart",  # the coordinator keeps these two apart
    "same_discipline",
    "repeat",
    "no_shared_language",
    "meeting_incompatible",  # one wants only in person, the other only online
    "too_far_for_in_person",  # in person only, and the regions are not the same or neighbours
]
HARD_RULES: tuple[HardRule, ...] = (
    "kept_apart",
    "same_discipline",
    "repeat",
    "no_shared_language",
    "meeting_incompatible",
    "too_far_for_in_person",
)

# Why a coordinator's pin was not honoured: a problem with the pin itself, or a hard rule.
PinRejection = (
    Literal[
        "unknown_person",
        "same_person",
        "excluded",
        "conflicting_pin",  # one of the two is already in an earlier pin
    ]
    | HardRule
)


@dataclass(frozen=True)
class PastPairing:
    """An earlier round in which this person was grouped with ``partner``.

    ``met`` is what the attendees reported (``None``: not reported); ``rating`` is this
    person's feedback on the conversation, 1 (poor) to 5 (excellent), or ``None``.
    """

    partner: PersonId
    on: date
    met: bool | None = None
    rating: int | None = None


@dataclass(frozen=True)
class Profile:
    """One attendee who may take part in the round.

    ``discipline`` is the key of the attendee's discipline (the caller maps role to
    discipline); ``region`` a region key known to the ``neighbours`` relation given to
    :func:`matching.plan_round`. ``languages``, ``expertise`` and ``gaps`` are sets of keys.
    """

    id: PersonId
    discipline: str
    region: str
    meeting: MeetingPreference = "either"
    languages: frozenset[str] = frozenset({"nl"})
    expertise: frozenset[str] = frozenset()
    gaps: frozenset[str] = frozenset()
    past: tuple[PastPairing, ...] = ()
    rounds_waited: int = 0
    in_trio_last_time: bool = False


@dataclass(frozen=True)
class RoundRules:
    """Every hard rule and every score weight of a round, in one place.

    Hard rules decide whether two people may be grouped at all:

    - ``allow_same_discipline``: two people of the same discipline may form a pair
      (default: no; "cross-disciplinary" means different disciplines, not different roles).
    - ``repeat_window_months``: a past pair may not be repeated within this many months
      (``None``, the default: never again). Feedback can tighten it: a pairing rated
      ``never_repeat_rating_at_most`` or lower by either person is never repeated, and a
      pairing reported as not met counts as a repeat unless ``not_met_counts_as_repeat``
      is false.
    - Two people the coordinator keeps apart are never paired; two people need a shared
      language; someone who only meets in person is only paired with someone in the same or
      a neighbouring region, and never with someone who only meets online.

    The score of an allowed pair (higher is better, never negative) is the sum of:

    - ``pair_bonus`` for every pair formed. It is large next to the other terms so that
      forming one more pair outweighs any difference in the soft terms: the planner
      groups as many people as the hard rules allow, then the best such groups.
    - ``gap_covered`` for each gap of one person that is in the other's expertise (both
      ways), plus ``any_gap_covered`` for each person who gets at least one gap covered.
    - ``same_region`` or ``neighbour_region`` for the region relation.
    - ``same_meeting`` when both explicitly prefer the same way of meeting.
    - per person, ``waited`` per round waited (at most ``waited_cap`` rounds) and
      ``trio_last_time`` if they were the third in a trio last round: this priority makes
      whoever waited or was in a trio the last to be left out or put in a trio.
    """

    allow_same_discipline: bool = False
    repeat_window_months: int | None = None
    never_repeat_rating_at_most: int = 2
    not_met_counts_as_repeat: bool = True
    max_trios: int = 1

    pair_bonus: float = 20.0
    gap_covered: float = 2.0
    any_gap_covered: float = 1.0
    same_region: float = 1.5
    neighbour_region: float = 0.75
    same_meeting: float = 0.5
    waited: float = 1.0
    waited_cap: int = 3
    trio_last_time: float = 1.0

    # Rounds larger than this are split in blocks (by region, split evenly) whose best
    # pairs are the first candidates of one relaxation over the round; the bound still
    # covers every pair. See :func:`matching.plan_round`.
    block_size: int = 2000


@dataclass(frozen=True)
class LinkExplanation:
    """Why two members of a group fit: what each brings the other, and the score parts."""

    a: PersonId
    b: PersonId
    a_gaps_covered_by_b: tuple[str, ...]
    b_gaps_covered_by_a: tuple[str, ...]
    disciplines: tuple[str, str]
    regions: tuple[str, str]
    region_relation: RegionRelation
    shared_languages: tuple[str, ...]
    components: Mapping[str, float]
    score: float


@dataclass(frozen=True)
class Group:
    """A pair, or a trio: ``members[:2]`` is the pair the third (``members[2]``) joined.

    ``links`` explains each pair of members (one link for a pair, three for a trio);
    ``meeting`` is the suggested way to meet (in person when anyone needs it or all are
    near each other, otherwise online).
    """

    members: tuple[PersonId, ...]
    score: float
    meeting: Literal["in_person", "online"]
    pinned: bool
    links: tuple[LinkExplanation, ...]


@dataclass(frozen=True)
class Unmatched:
    person: PersonId
    reason: UnmatchedReason


@dataclass(frozen=True)
class UnmatchedExplanation:
    """Why the hard rules leave someone few or no people to be grouped with.

    ``candidates`` is how many others were considered, ``allowed`` how many of them break
    no hard rule with ``person``; every other candidate is counted once in ``ruled_out``,
    under the first hard rule it breaks (keys: every rule of :data:`HARD_RULES`, in that
    order, zero included). ``main_rule`` is the rule that rules out the most candidates
    (the earlier rule on a tie), or ``None`` when someone is allowed or nobody was
    considered.
    """

    person: PersonId
    candidates: int
    allowed: int
    ruled_out: Mapping[HardRule, int]
    main_rule: HardRule | None


@dataclass(frozen=True)
class RejectedPin:
    a: PersonId
    b: PersonId
    reason: PinRejection


@dataclass(frozen=True)
class RoundStats:
    """Figures for the whole round.

    ``weight`` is the total score of the pairs chosen (for a trio: of its pair, before the
    third joined) and ``upper_bound`` a proven upper bound on the best possible total; their
    ratio ``certificate`` says how close to the best the plan is (1.0: optimal).
    ``bound_covers_all_pairs`` is true when the bound holds against every allowed pair
    (given the pins), as :func:`matching.plan_round` now ensures for rounds of any size,
    also those planned in blocks; it is false only in figures stored by older versions,
    whose bound covered pairs within the blocks only. ``exact`` is true only
    when the pairs are proven to be a best plan over every allowed pair (given the pins):
    then ``upper_bound == weight`` and ``certificate == 1.0``; otherwise ``certificate``
    is below 1.0, so a plan is never shown as "provably the best" without a proof.
    """

    people: int
    groups: int
    pairs: int
    trios: int
    unmatched: int
    share_gap_covered: float
    share_cross_disciplinary: float
    share_same_region: float
    repeats: int
    weight: float
    upper_bound: float
    certificate: float
    bound_covers_all_pairs: bool
    exact: bool = False


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    unmatched: tuple[Unmatched, ...]
    rejected_pins: tuple[RejectedPin, ...]
    stats: RoundStats
    rules: RoundRules = field(default_factory=RoundRules)
