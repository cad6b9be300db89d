"""The app's own colours, defined once and chosen for the palette in use (light, dark, high contrast).

Everything else on screen takes its colours from the palette (`QPalette` roles), so a dark or
high-contrast system theme just works. These few colours carry a meaning the palette has no role
for: work that is done, something that needs attention, a problem, secondary text, the question
with the focus, a notice. Each starts from a tint for a light or a dark palette and is then
checked against every surface it can be drawn on (the palette's Window, Base and AlternateBase,
and the app's own `current`, `notice` and `panel` surfaces): a text colour below WCAG AA (4.5:1)
on any of them is moved towards the palette's own text colour until it passes. An unusual palette
(a high-contrast theme) can lose a tint, never legibility. `tests/test_ui_palette.py` prints the
contrast of every pair and checks the rule for any usable palette.

Widgets use `colours_for(widget)` (or `colours_for()` for the application's palette) when they
paint or answer a model's colour role, and `tint(widget, ...)` for a label or panel that keeps a
colour: the tint is re-applied whenever the application's palette changes, so switching the system to dark mode
while the app runs recolours it.
"""

import weakref
from functools import lru_cache
from typing import NamedTuple

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: WCAG 2 AA for normal text.
TEXT_CONTRAST = 4.5

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

#: Text tints (light palette, dark palette) before the contrast check.
_TEXT_TINTS: dict[str, tuple[str, str]] = {
    "done": ("#1b6e3a", "#7fd49b"),  # complete, every question answered
    "attention": ("#8a4b00", "#f2b35e"),  # a stale answer, a key question, a read-only file
    "problem": ("#a4262c", "#ff9a92"),  # something to fix: a refused passphrase, draft files, held-out cases
    "heading": ("#1f3b63", "#a9c8f5"),  # criterion headings on the form
}
#: The app's own surfaces: how much of an accent colour is mixed into the palette's background.
_NOTICE_ACCENT = QColor("#f0b400")
_NOTICE_MIX = (0.16, 0.22)  # light, dark
_CURRENT_MIX = (0.10, 0.22)
_PANEL_MIX = (0.04, 0.07)

TEXT_COLOURS = ("done", "attention", "problem", "heading", "muted")
SURFACES = ("current", "notice", "panel")


# A named tuple, and real annotations in this module: defined as the app starts (docs/performance.md).
class Colours(NamedTuple):
    """The own colours for one palette. Text colours pass 4.5:1 on every surface listed in
    `backgrounds`; `accent`, `stale_accent`, `rule` and the bar colours are not text."""

    done: QColor
    attention: QColor
    problem: QColor
    heading: QColor
    muted: QColor  # secondary text: reasons, summaries, greyed questions
    current: QColor  # background of the question with the focus
    notice: QColor  # background of the read-only banner and the gaps panel
    panel: QColor  # background of a question's guidance
    accent: QColor  # the bar beside the question with the focus
    stale_accent: QColor  # the bar beside a stale answer
    rule: QColor  # thin lines: under the case header, around panels
    bar: QColor  # a percent bar on the lead's dashboard
    bar_muted: QColor  # a bar with weak evidence behind it
    track: QColor  # the empty part of a bar
    dark: bool

    def backgrounds(self, palette: QPalette) -> dict[str, QColor]:
        """Every surface text in an own colour can be drawn on, by name."""
        return {
            "Window": palette.color(Role.Window),
            "Base": palette.color(Role.Base),
            "AlternateBase": palette.color(Role.AlternateBase),
            "current": self.current,
            "notice": self.notice,
            "panel": self.panel,
        }

    def text(self, name: str) -> QColor:
        if name not in TEXT_COLOURS:
            raise KeyError(name)
        colour = getattr(self, name)
        assert isinstance(colour, QColor)
        return colour

    def surface(self, name: str) -> QColor:
        if name not in SURFACES:
            raise KeyError(name)
        colour = getattr(self, name)
        assert isinstance(colour, QColor)
        return colour


# -- contrast --------------------------------------------------------------------------------


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(one: QColor, other: QColor) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    a, b = relative_luminance(one), relative_luminance(other)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def mix(base: QColor, other: QColor, amount: float) -> QColor:
    """`amount` of `other` over `base` (0: base, 1: other), opaque."""
    amount = max(0.0, min(1.0, amount))
    return QColor.fromRgbF(
        base.redF() + (other.redF() - base.redF()) * amount,
        base.greenF() + (other.greenF() - base.greenF()) * amount,
        base.blueF() + (other.blueF() - base.blueF()) * amount,
    )


def is_dark(palette: QPalette) -> bool:
    """A dark palette: light text on a dark window."""
    return relative_luminance(palette.color(Role.Window)) < relative_luminance(palette.color(Role.WindowText))


def _readable(colour: QColor, text: QColor, surfaces: list[QColor]) -> QColor:
    """`colour`, moved towards the palette's text colour until it passes 4.5:1 on every surface."""
    for step in range(11):
        candidate = mix(colour, text, step / 10)
        if min(contrast(candidate, s) for s in surfaces) >= TEXT_CONTRAST:
            return candidate
    return QColor(text)


def _surface(background: QColor, accent: QColor, amount: float, text: QColor) -> QColor:
    """A tinted surface on which the palette's text still passes (less tint if needed)."""
    for step in range(5):
        candidate = mix(background, accent, amount * (1 - step / 4))
        if contrast(candidate, text) >= TEXT_CONTRAST:
            return candidate
    return QColor(background)


def colours_for(source: QWidget | QPalette | None = None) -> Colours:
    """The own colours for a widget's palette, a palette, or the application's palette."""
    if isinstance(source, QWidget):
        palette = source.palette()
    elif isinstance(source, QPalette):
        palette = source
    else:
        palette = QApplication.palette()
    # Models ask on every paint: the palette's cache key (it changes with the contents) saves
    # reading seven colours each time.
    found = _by_cache_key.get(palette.cacheKey())
    if found is None:
        roles = (Role.Window, Role.WindowText, Role.Base, Role.AlternateBase, Role.Text, Role.Highlight, Role.Mid)
        found = _colours(tuple(palette.color(role).rgb() for role in roles))
        if len(_by_cache_key) > 64:
            _by_cache_key.clear()
        _by_cache_key[palette.cacheKey()] = found
    return found


_by_cache_key: dict[int, Colours] = {}


@lru_cache(maxsize=16)
def _colours(key: tuple[int, ...]) -> Colours:
    window, window_text, base, alternate, text, highlight, mid = (QColor.fromRgb(rgb) for rgb in key)
    dark = relative_luminance(window) < relative_luminance(window_text)
    which = 1 if dark else 0
    current = _surface(base, highlight, _CURRENT_MIX[which], text)
    notice = _surface(base, _NOTICE_ACCENT, _NOTICE_MIX[which], window_text)
    panel = _surface(base, window_text, _PANEL_MIX[which], window_text)
    surfaces = [window, base, alternate, current, notice, panel]
    tints = {name: _readable(QColor(pair[which]), window_text, surfaces) for name, pair in _TEXT_TINTS.items()}
    # Secondary text: as far towards the background as 4.5:1 on every surface allows.
    muted = QColor(window_text)
    for step in range(1, 13):
        candidate = mix(window_text, window, step / 20)
        if min(contrast(candidate, s) for s in surfaces) < TEXT_CONTRAST + 0.1:
            break
        muted = candidate
    accent = QColor(highlight)
    stale_accent = QColor(_TEXT_TINTS["attention"][which])
    return Colours(
        done=tints["done"],
        attention=tints["attention"],
        problem=tints["problem"],
        heading=tints["heading"],
        muted=muted,
        current=current,
        notice=notice,
        panel=panel,
        accent=accent,
        stale_accent=stale_accent,
        rule=mix(window, mid, 0.8),
        bar=mix(highlight, window_text, 0.25),
        bar_muted=mix(highlight, window, 0.55),
        track=mix(window, window_text, 0.1),
        dark=dark,
    )


def contrast_table(palette: QPalette) -> list[tuple[str, str, float]]:
    """(text, surface, ratio) for every own text colour, and the palette's own text on the own
    surfaces: the figures `tests/test_ui_palette.py` checks and prints."""
    own = colours_for(palette)
    backgrounds = own.backgrounds(palette)
    rows = [(name, where, contrast(own.text(name), bg)) for name in TEXT_COLOURS for where, bg in backgrounds.items()]
    for surface in SURFACES:
        rows.append(("palette text", surface, contrast(palette.color(Role.WindowText), own.surface(surface))))
        rows.append(("palette base text", surface, contrast(palette.color(Role.Text), own.surface(surface))))
    return rows


# -- keeping a widget's colour with the palette ---------------------------------------------------

_TEXT_PROPERTY = "hmipTextColour"
_SURFACE_PROPERTY = "hmipSurfaceColour"
_DISABLED_PROPERTY = "hmipDisabledColour"
_APPLIED_PROPERTY = "hmipAppliedColours"
_TEXT_ROLES = (Role.WindowText, Role.Text, Role.ButtonText)


#: Every tinted widget, recoloured when the application's palette changes (the system went dark,
#: say): one signal for all of them, where an event filter on each would see all their events.
_tinted: weakref.WeakSet[QWidget] = weakref.WeakSet()
_listening = False


def tint(
    widget: QWidget, text: str | None = None, *, surface: str | None = None, disabled_text: str | None = None
) -> None:
    """Give a widget an own text colour, background, or colour for its disabled (greyed) text,
    now and after every change of the application's palette. None leaves that part to the palette."""
    global _listening
    own = colours_for()
    if text is not None:
        own.text(text)  # an unknown name fails here, not on the next palette change
    if disabled_text is not None:
        own.text(disabled_text)
    if surface is not None:
        own.surface(surface)
    widget.setProperty(_TEXT_PROPERTY, text or "")
    widget.setProperty(_SURFACE_PROPERTY, surface or "")
    widget.setProperty(_DISABLED_PROPERTY, disabled_text or "")
    _tinted.add(widget)
    app = QApplication.instance()
    if not _listening and isinstance(app, QApplication):
        app.paletteChanged.connect(_palette_changed)
        _listening = True
    _apply(widget)


def _palette_changed(_palette: QPalette) -> None:
    for widget in list(_tinted):
        try:
            _apply(widget)
        except RuntimeError:  # its C++ side is gone; the weak set forgets it with its wrapper
            _tinted.discard(widget)


def _apply(widget: QWidget) -> None:
    text = str(widget.property(_TEXT_PROPERTY) or "")
    surface = str(widget.property(_SURFACE_PROPERTY) or "")
    disabled = str(widget.property(_DISABLED_PROPERTY) or "")
    inherited = QApplication.palette()
    own = colours_for(inherited)
    settings: list[tuple[Group, Role, QColor]] = []
    if text:
        settings += [(group, role, own.text(text)) for group in (Group.Active, Group.Inactive) for role in _TEXT_ROLES]
    if disabled:
        settings += [(Group.Disabled, role, own.text(disabled)) for role in _TEXT_ROLES]
    if surface:
        settings += [
            (group, Role.Window, own.surface(surface)) for group in (Group.Active, Group.Inactive, Group.Disabled)
        ]
    key = ",".join(f"{group.value}:{role.value}:{colour.rgb()}" for group, role, colour in settings)
    if widget.property(_APPLIED_PROPERTY) == key:
        return
    widget.setProperty(_APPLIED_PROPERTY, key)
    palette = QPalette(inherited)
    palette.setResolveMask(0)  # only the roles set here are the widget's own; the rest follow its parent
    for group, role, colour in settings:
        palette.setColor(group, role, colour)
    widget.setAutoFillBackground(bool(surface))
    widget.setPalette(palette)


# -- the palettes the app is checked and pictured with ---------------------------------------------


def _palette(colours: dict[Role, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, name in colours.items():
        palette.setColor(role, QColor(name))
    for role in _TEXT_ROLES:
        palette.setColor(Group.Disabled, role, QColor(disabled_text))
    return palette


def reference_palettes() -> dict[str, QPalette]:
    """Light (Fusion's own), dark (close to Windows 11 in dark mode) and the two high-contrast
    themes (white on black, black on white): the tests check every own colour against each, and
    the screenshots use the dark one."""
    from PySide6.QtWidgets import QStyleFactory

    fusion = QStyleFactory.create("Fusion")
    light = fusion.standardPalette() if fusion is not None else QPalette()
    dark = _palette(
        {
            Role.Window: "#202020",
            Role.WindowText: "#ffffff",
            Role.Base: "#1c1c1c",
            Role.AlternateBase: "#2b2b2b",
            Role.Text: "#ffffff",
            Role.Button: "#2d2d2d",
            Role.ButtonText: "#ffffff",
            Role.Highlight: "#0078d4",
            Role.HighlightedText: "#ffffff",
            Role.ToolTipBase: "#2b2b2b",
            Role.ToolTipText: "#ffffff",
            Role.PlaceholderText: "#9d9d9d",
            Role.Light: "#3c3c3c",
            Role.Midlight: "#333333",
            Role.Mid: "#262626",
            Role.Dark: "#141414",
            Role.Shadow: "#000000",
            Role.Link: "#4cc2ff",
            Role.BrightText: "#ffffff",
        },
        "#8a8a8a",
    )
    high_contrast_black = _palette(
        {
            Role.Window: "#000000",
            Role.WindowText: "#ffffff",
            Role.Base: "#000000",
            Role.AlternateBase: "#000000",
            Role.Text: "#ffffff",
            Role.Button: "#000000",
            Role.ButtonText: "#ffffff",
            Role.Highlight: "#1aebff",
            Role.HighlightedText: "#000000",
            Role.Mid: "#ffffff",
            Role.Link: "#ffff00",
        },
        "#3ff23f",
    )
    high_contrast_white = _palette(
        {
            Role.Window: "#ffffff",
            Role.WindowText: "#000000",
            Role.Base: "#ffffff",
            Role.AlternateBase: "#ffffff",
            Role.Text: "#000000",
            Role.Button: "#ffffff",
            Role.ButtonText: "#000000",
            Role.Highlight: "#37006e",
            Role.HighlightedText: "#ffffff",
            Role.Mid: "#000000",
            Role.Link: "#00009f",
        },
        "#600000",
    )
    return {
        "light": light,
        "dark": dark,
        "high contrast (black)": high_contrast_black,
        "high contrast (white)": high_contrast_white,
    }
