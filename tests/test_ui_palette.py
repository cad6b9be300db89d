"""The app's own colours in light, dark and high-contrast palettes: WCAG AA (4.5:1) for every text
colour on every surface it can be drawn on, whatever the palette; nothing on screen keeps a fixed
colour; a palette change while the app runs recolours it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QRadioButton,
    QStyle,
    QStyleFactory,
    QStyleOptionButton,
    QWidget,
)
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case, click_option, form_of, row

from hmip_desktop.ui.application import follow_dark_palette
from hmip_desktop.ui.colours import (
    TEXT_CONTRAST,
    colours_for,
    contrast,
    contrast_table,
    reference_palettes,
    relative_luminance,
)
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.style import ReadableIndicators

pytestmark = QT_STRICT
Role = QPalette.ColorRole


def test_wcag_contrast_matches_known_pairs() -> None:
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor("#595959"), QColor("#ffffff")) == pytest.approx(7.0, abs=0.01)
    assert contrast(QColor("#336699"), QColor("#336699")) == 1.0


@pytest.mark.parametrize("name", ["light", "dark", "high contrast (black)", "high contrast (white)"])
def test_every_own_text_colour_passes_aa_on_every_surface(qapp: QApplication, name: str) -> None:
    palette = reference_palettes()[name]
    rows = contrast_table(palette)
    own = colours_for(palette)
    print(
        f"\n{name}: "
        + ", ".join(
            f"{c}={getattr(own, c).name()}"
            for c in ("done", "attention", "problem", "heading", "muted", "current", "notice", "panel")
        )
    )
    for text, surface, ratio in rows:
        print(f"  {text:18} on {surface:14} {ratio:5.2f}:1")
    assert min(ratio for _text, _surface, ratio in rows) >= TEXT_CONTRAST


def test_the_old_fixed_colours_failed_where_the_issue_said(qapp: QApplication) -> None:
    """What the palette-derived colours replace: the greyed reason on the current question, and a
    light note background under light text in the dark palette."""
    dark = reference_palettes()["dark"]
    assert contrast(QColor("#6b7280"), QColor("#eef3fb")) < TEXT_CONTRAST  # "does not apply" on the current row
    assert contrast(dark.color(Role.Text), QColor("#fbfcfd")) < 1.2  # the fixed note background, dark mode
    own = colours_for(dark)
    assert contrast(dark.color(Role.Text), own.current) >= TEXT_CONTRAST
    assert relative_luminance(own.current) < 0.1 and relative_luminance(own.notice) < 0.1


def opaque_colours() -> st.SearchStrategy[QColor]:
    return st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(lambda rgb: QColor(*rgb))


@settings(max_examples=300, deadline=None)
@given(window=opaque_colours(), text=opaque_colours(), highlight=opaque_colours(), shade=st.floats(-0.06, 0.06))
def test_any_usable_palette_gets_readable_own_colours(
    qapp: QApplication, window: QColor, text: QColor, highlight: QColor, shade: float
) -> None:
    """A palette whose own text is readable (7:1, as themes are) makes every own text colour pass
    4.5:1 on every surface, and the palette's text pass on the own surfaces."""
    if contrast(window, text) < 7:
        return
    base = QColor.fromRgbF(*(min(1.0, max(0.0, c + shade)) for c in (window.redF(), window.greenF(), window.blueF())))
    if contrast(base, text) < 7:
        return
    palette = QPalette()
    for role, colour in (
        (Role.Window, window),
        (Role.Base, base),
        (Role.AlternateBase, base),
        (Role.WindowText, text),
        (Role.Text, text),
        (Role.Highlight, highlight),
        (Role.Mid, highlight),
    ):
        palette.setColor(role, colour)
    assert min(ratio for _text, _surface, ratio in contrast_table(palette)) >= TEXT_CONTRAST


# -- on screen -----------------------------------------------------------------------------------


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[QPalette]:
    """The application in the dark reference palette (as Windows 11 in dark mode); restored after."""
    original = QPalette(qapp.palette())
    palette = reference_palettes()["dark"]
    qapp.setPalette(palette)
    yield palette
    qapp.setPalette(original)


def fixed_colours(root: QWidget) -> list[str]:
    """Widgets under `root` whose style sheet names a colour of its own (#rrggbb or a colour name)."""
    pattern = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:color|background)\s*:\s*[a-z]+\b")
    return [
        f"{type(widget).__name__}#{widget.objectName()}: {widget.styleSheet()}"
        for widget in [root, *root.findChildren(QWidget)]
        if pattern.search(widget.styleSheet())
    ]


def test_the_form_in_a_dark_palette_has_no_light_patches(qtbot: QtBot, dark: QPalette, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.report", 1)
    form = form_of(opened)
    form.mark_complete()  # the gaps panel
    qtbot.waitUntil(form.gaps.isVisible)
    form.focus_question("s.quality")
    quality = row(opened, "s.quality")
    assert quality.is_current
    quality.set_guidance_visible(True)
    own = colours_for(dark)
    text = dark.color(Role.Text)
    # Every surface that had a fixed light colour is now dark, with the palette's text readable on it.
    surfaces = {
        "note": quality.note.palette().color(Role.Base),
        "gaps panel": form.gaps.palette().color(Role.Window),
        "guidance": quality.guidance.palette().color(Role.Window) if quality.guidance else QColor(),
    }
    for where, colour in surfaces.items():
        assert relative_luminance(colour) < 0.1, where
        assert contrast(colour, text) >= TEXT_CONTRAST, where
    assert form.gaps.autoFillBackground()
    image = quality.grab().toImage()
    painted = image.pixelColor(image.width() // 2, 2)  # the current question's own background
    assert painted.rgb() == own.current.rgb()
    # Greyed questions keep 4.5:1 (the style's faint disabled grey is replaced).
    opened.show_inapplicable_action.trigger()
    proposal = row(opened, "s.proposal")
    assert not proposal.options.isEnabled()
    greyed = proposal.options.palette().color(QPalette.ColorGroup.Disabled, Role.WindowText)
    assert contrast(greyed, dark.color(Role.Window)) >= TEXT_CONTRAST
    assert fixed_colours(opened) == []


def test_no_widget_of_the_assessor_side_keeps_a_fixed_colour(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    for section in form.section_pages:
        form._show_page(section)
    form.mark_complete()
    opened.export_action.trigger()
    assert fixed_colours(opened) == []


def test_switching_to_dark_while_the_app_runs_recolours_it(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    label = form.progress_label
    light_muted = colours_for(QApplication.palette()).muted
    assert label.palette().color(Role.WindowText).rgb() == light_muted.rgb()
    original = QPalette(QApplication.palette())
    dark_palette = reference_palettes()["dark"]
    try:
        QApplication.setPalette(dark_palette)
        dark_muted = colours_for(dark_palette).muted
        qtbot.waitUntil(lambda: label.palette().color(Role.WindowText).rgb() == dark_muted.rgb())
        # The palette reaches the label's parents on the next turn of the event loop.
        qtbot.waitUntil(lambda: label.palette().color(Role.Window).rgb() == dark_palette.color(Role.Window).rgb())
        assert contrast(label.palette().color(Role.WindowText), label.palette().color(Role.Window)) >= TEXT_CONTRAST
    finally:
        QApplication.setPalette(original)
    qtbot.waitUntil(lambda: label.palette().color(Role.WindowText).rgb() == light_muted.rgb())


def indicator_contrast(qtbot: QtBot, style: QStyle, palette: QPalette, checked: bool) -> dict[str, float]:
    """The best contrast between the window and any pixel of a radio button's and a check box's
    indicator (left of their label), drawn in `style` and `palette`."""
    found: dict[str, float] = {}
    for button in (QRadioButton("1  Yes"), QCheckBox("Use this case as a practice illustration")):
        qtbot.addWidget(button)
        button.setStyle(style)
        button.setPalette(palette)
        button.setChecked(checked)
        button.show()
        qtbot.waitExposed(button)
        image = button.grab().toImage()
        indicator = style.subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, QStyleOptionButton(), button)
        window = palette.color(Role.Window)
        pixels = [
            image.pixelColor(x, y)
            for x in range(min(indicator.right() + 2, image.width()))
            for y in range(image.height())
        ]
        found[type(button).__name__] = max(contrast(pixel, window) for pixel in pixels)
    return found


@pytest.mark.parametrize("checked", [False, True])
def test_in_fusion_on_a_dark_palette_radio_buttons_and_check_boxes_are_outlined_at_3_to_1(
    qtbot: QtBot, checked: bool
) -> None:
    """WCAG's 3:1 for the parts of a control that show its state: Fusion's own outline was 1.1:1 there."""
    style = ReadableIndicators(QStyleFactory.create("Fusion"))
    dark = reference_palettes()["dark"]
    assert all(value >= 3 for value in indicator_contrast(qtbot, style, dark, checked).values())
    # A light palette is drawn as Fusion draws it.
    fusion = QStyleFactory.create("Fusion")
    light = reference_palettes()["light"]
    assert indicator_contrast(qtbot, style, light, checked) == indicator_contrast(qtbot, fusion, light, checked)


def test_the_indicators_are_redrawn_only_while_the_palette_is_dark(qapp: QApplication) -> None:
    """Fusion as it is on a light palette (the redrawing costs every paint, and ~15 ms of a start), the
    readable indicators as soon as the palette turns dark (the desktop going dark), and back."""
    original = QPalette(qapp.palette())
    assert qapp.style().name().lower() == "fusion"  # the platform's style here (offscreen)
    follow = follow_dark_palette(qapp)
    try:
        assert not isinstance(qapp.style(), ReadableIndicators)
        qapp.setPalette(reference_palettes()["dark"])
        assert isinstance(qapp.style(), ReadableIndicators)
        qapp.setPalette(reference_palettes()["light"])
        assert not isinstance(qapp.style(), ReadableIndicators) and qapp.style().name().lower() == "fusion"
    finally:
        qapp.paletteChanged.disconnect(follow)
        qapp.setStyle(QStyleFactory.create("Fusion"))
        qapp.setPalette(original)
    windows = QStyleFactory.create("Windows")
    if windows is not None:  # another style is left as it is
        qapp.setStyle(windows)
        follow = follow_dark_palette(qapp)
        try:
            qapp.setPalette(reference_palettes()["dark"])
            assert qapp.style().name().lower() == "windows"
        finally:
            qapp.paletteChanged.disconnect(follow)
            qapp.setStyle(QStyleFactory.create("Fusion"))
            qapp.setPalette(original)
