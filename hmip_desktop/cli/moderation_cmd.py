"""`hmip moderation plan` and `hmip agreement`: the second-marking sample and how well assessors agree."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hmip_desktop.cli.output import print_json, print_table
from hmip_desktop.model.wording import count, plural

if TYPE_CHECKING:
    from fractions import Fraction

    from hmip_desktop.model.moderation import ModerationPlan
    from hmip_desktop.scoring.agreement import AgreementResult

#: Questions listed in the plain-text agreement table (lowest agreement first); --json has all.
LOWEST_SHOWN = 15
NO_FIGURE = "-"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    moderation = subparsers.add_parser("moderation", help="second marking: pick the moderation sample")
    moderation_sub = moderation.add_subparsers(dest="moderation_command", metavar="ACTION", required=True)
    plan = moderation_sub.add_parser(
        "plan",
        help="pick cases for second marking and write one blind CSV per second marker",
        description="Picks ceil(SHARE x the complete cases marked by one assessor) for second marking, spread "
        "over the first markers in proportion, each given to someone who has not marked it. Writes one CSV per "
        "second marker (case_ref and case details only) for `hmip cases import`.",
    )
    plan.add_argument("file", type=Path, help="the lead's merged file")
    plan.add_argument("--share", required=True, help="share of the cases to second-mark: 0.1, 10%% or 1/10")
    plan.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the second markers' CSVs")
    plan.add_argument("--seed", type=int, help="draw the same plan again (a new seed is drawn and shown otherwise)")
    plan.add_argument(
        "--to",
        action="append",
        default=[],
        metavar="NAME",
        help="a second marker (quality lead, the lead; repeatable); default: the team in the import ledger",
    )
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(handler=cmd_moderation_plan)

    agreement = subparsers.add_parser(
        "agreement", help="agreement between assessors on double-marked cases (kappa, AC1)"
    )
    agreement.add_argument("file", type=Path, help="the lead's merged file")
    agreement.add_argument("--json", action="store_true", help="machine-readable output")
    agreement.set_defaults(handler=cmd_agreement)


def share_argument(text: str) -> Fraction:
    from hmip_desktop.model.moderation import parse_share

    return parse_share(text)


def cmd_moderation_plan(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.moderation import new_seed, plan_for_file, write_plan

    share = share_argument(args.share)
    seed = args.seed if args.seed is not None else new_seed()
    with InspectionFile.open(args.file, read_only=True) as inspection:
        plan = plan_for_file(inspection, share=share, seed=seed, to=args.to)
        write_plan(inspection, plan, args.out)
        inspection_id = inspection.inspection_id
    if args.json:
        print_json({"inspection": inspection_id, **plan.to_json()})
        return 0
    print_plan(inspection_id, plan, seed_given=args.seed is not None)
    return 0


def print_plan(inspection_id: str, plan: ModerationPlan, *, seed_given: bool) -> None:
    print(
        f"Moderation sample for {inspection_id}: {plan.chosen} of {plan.eligible} complete single-marked {plural(plan.eligible, 'case')} "
        f"(share {float(plan.share):g}, seed {plan.seed})"
    )
    print()
    print_table(
        ["First marker", "Their cases", "Chosen"],
        [(f.name, f.eligible, f.chosen) for f in plan.first_markers],
        align="lrr",
    )
    print()
    print_table(
        ["Second marker", "Cases", "File"],
        [(name, len(plan.cases_for(name)), plan.files.get(name, "")) for name in plan.second_markers],
        align="lrl",
    )
    print()
    print("Each file holds case references and case details only, never the first marker's judgements;")
    print("the second marker imports it with `hmip cases import THEIR.hmip FILE.csv`.")
    if not seed_given:
        print(f"To draw this plan again: --seed {plan.seed}")


def cmd_agreement(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.scoring.agreement import agreement_of_file

    with InspectionFile.open(args.file, read_only=True) as inspection:
        result = agreement_of_file(inspection)
        instrument = inspection.instrument
        title = inspection.inspection_id
    if args.json:
        print_json(result.to_json())
        return 0
    print_agreement(title, result, {q.id: q.chart_label for q in instrument.questions})
    return 0


def percent_text(value: Fraction | None) -> str:
    """A share as a whole percentage, rounded half up from the exact value (as every figure is)."""
    from hmip_desktop.scoring.engine import percent

    return NO_FIGURE if value is None else f"{percent(value)}%"


def coefficient_text(value: Fraction | None) -> str:
    return NO_FIGURE if value is None else f"{float(value):.2f}"


def print_agreement(title: str, result: AgreementResult, labels: dict[str, str]) -> None:
    print(f"Agreement between assessors for {title}")
    if not result.cases:
        print("No case was marked by two assessors. `hmip moderation plan` picks a sample for second marking.")
        return
    print(
        f"{result.cases} double-marked {plural(result.cases, 'case')}, {count(result.pairs, 'pair')} of answers: "
        f"{percent_text(result.agreement)} the same answer, {percent_text(result.line_agreement)} the same side "
        "of the line (scored questions)"
    )
    print()
    print_table(
        ["Assessors", "Cases", "Pairs", "Same answer", "Same side of the line"],
        [
            (f"{p.first} / {p.second}", p.cases, p.pairs, percent_text(p.agreement), percent_text(p.line_agreement))
            for p in result.assessor_pairs
        ],
        align="lrrrr",
    )
    lowest = result.lowest_first()
    print()
    print(f"Lowest agreement first ({min(LOWEST_SHOWN, len(lowest))} of {len(lowest)} questions; --json lists all)")
    print_table(
        ["Question", "Pairs", "Same answer", "Kappa", "AC1", "Same side"],
        [
            (
                f"{q.question_id} {labels.get(q.question_id, '')}"[:70],
                q.values.pairs,
                percent_text(q.values.agreement),
                coefficient_text(q.values.kappa),
                coefficient_text(q.values.ac1),
                percent_text(q.line.agreement) if q.line else NO_FIGURE,
            )
            for q in lowest[:LOWEST_SHOWN]
        ],
        align="lrrrrr",
    )
