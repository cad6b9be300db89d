"""`hmip score`: the inspection's scores, as the seed report's summary page or as JSON."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hmip_desktop.cli.output import print_json, print_table
from hmip_desktop.model.wording import count, plural

if TYPE_CHECKING:
    from hmip_desktop.scoring.intervals import Interval
    from hmip_desktop.scoring.result import Breakdown, ScoringResult

NO_SCORE = "-"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = subparsers.add_parser("score", help="score the cases: outcomes, criteria, breakdowns, factors")
    score.add_argument("file", type=Path)
    score.add_argument("--json", action="store_true", help="machine-readable output (the scoring contract)")
    score.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="QUESTION_ID",
        help="break outcome scores down by a case-detail question, e.g. cd.gender (repeatable)",
    )
    score.add_argument(
        "--include-incomplete", action="store_true", help="count draft cases too (only complete cases count otherwise)"
    )
    score.set_defaults(handler=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.scoring.load import score_file

    with InspectionFile.open(args.file, read_only=True) as inspection:
        result = score_file(inspection, include_incomplete=args.include_incomplete, by=args.by)
        title = f"{inspection.inspection_id} ({inspection.instrument.identity.describe()})"
    if args.json:
        print_json(result.to_json())
        return 0
    print_summary(title, result)
    return 0


def shown(percent: int | None) -> str:
    return NO_SCORE if percent is None else f"{percent}%"


def shown_range(interval: Interval | None) -> str:
    """A 95 % interval as whole percentages: "57-69%"."""
    from hmip_desktop.scoring.result import interval_percent

    bounds = interval_percent(interval)
    return NO_SCORE if bounds is None else f"{bounds[0]}-{bounds[1]}%"


def case_counts_line(result: ScoringResult) -> str:
    parts = [f"{count(result.cases_scored, 'case')} scored"]
    if result.cases_held_out:
        parts.append(
            f"{result.cases_held_out} held out by {result.unresolved_conflicts} unresolved {plural(result.unresolved_conflicts, 'conflict')} "
            "(resolve them to count these cases)"
        )
    if result.cases_incomplete:
        parts.append(
            f"{result.cases_incomplete} incomplete {plural(result.cases_incomplete, 'case')} left out (--include-incomplete counts them)"
        )
    elif result.include_incomplete:
        parts.append("incomplete cases included")
    return "; ".join(parts)


def print_summary(title: str, result: ScoringResult) -> None:
    print(f"Scores for {title}")
    print(case_counts_line(result))
    print()
    print_table(
        ["Outcome", "Score", "95% interval", "Questions"],
        [
            (f"{o.number}. {o.title}", shown(o.percent), shown_range(o.interval), len(o.questions))
            for o in result.outcomes.values()
        ],
        align="lrrr",
    )
    print()
    print_table(
        ["Criterion", "Score", "95% interval", "Questions"],
        [
            (f"{c.code} {c.title}", shown(c.percent), shown_range(c.interval), len(c.questions))
            for c in result.criteria.values()
        ],
        align="lrrr",
    )
    for breakdown in result.breakdowns.values():
        print()
        print_breakdown(result, breakdown)
    if result.factors:
        print()
        print("Offending-related factors")
        print_table(
            ["Factor", "Identified", "Sufficient interventions", "Sufficient progress"],
            [
                (
                    row.label,
                    f"{row.identified} of {row.identified_of}",
                    f"{shown(row.interventions_sufficient)} ({row.interventions_above} of {row.interventions_applicable})",
                    f"{shown(row.progress_sufficient)} ({row.progress_above} of {row.progress_applicable})",
                )
                for row in result.factors
            ],
            align="lrrr",
        )
    if any(o.interval for o in result.outcomes.values()):
        print()
        print(
            "95% interval: the range the figure would probably fall in with another sample of cases "
            "(the case as the unit of variation; docs/moderation.md)"
        )
    unscored = [q.question_id for q in result.questions.values() if q.score is None]
    if unscored and result.cases_scored:
        print()
        print(
            f"note: {count(len(unscored), 'question')} applied to no scored case and "
            f"{plural(len(unscored), 'is', 'are')} left out of every average"
        )


def print_breakdown(result: ScoringResult, breakdown: Breakdown) -> None:
    from hmip_desktop.scoring.result import MIN_GROUP_CASES

    print(f"By {breakdown.label} ({breakdown.question_id})")
    outcomes = list(result.outcomes.values())
    rows = []
    for group in breakdown.groups:
        mark = " *" if group.too_small else ""
        rows.append([f"{group.label}{mark}", group.cases] + [shown(group.outcomes[o.key].percent) for o in outcomes])
    print_table(["Group", "Cases"] + [o.key for o in outcomes], rows, align="lr" + "r" * len(outcomes))
    if any(group.too_small for group in breakdown.groups):
        print(f"* fewer than {MIN_GROUP_CASES} cases: too small to compare")
