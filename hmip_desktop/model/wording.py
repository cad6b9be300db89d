"""Counts in words for messages: "1 case", "3 cases", never "3 case(s)"."""

from __future__ import annotations


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """The noun for `number` of it: `singular` for exactly one, else `plural_form` (default: with an s)."""
    if number == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def count(number: int, singular: str, plural_form: str | None = None) -> str:
    """`number` and the noun for it: "1 case", "0 cases", "12 cases"."""
    return f"{number} {plural(number, singular, plural_form)}"
