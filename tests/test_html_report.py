"""The web edition: the PDF's report as one accessible, self-contained page, with the PDF's figures.

The accessibility check runs axe-core (the npm package) inside headless Chromium (the Debian package),
at WCAG 2.2 AA. It is skipped where either is missing, except in CI (the CI variable set), where a
missing browser or checker fails: .ci/run installs both.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_report import WELSH_AREA, make_inspection

from hmip_desktop.cli.main import main
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import sentences
from hmip_desktop.report.builder import build_report, gather_model
from hmip_desktop.report.content.blocks import Heading
from hmip_desktop.report.content.report import report_blocks
from hmip_desktop.scoring.load import score_file

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = Path(os.environ.get("HMIP_AXE_JS", ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"))
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, InspectionFile]:
    """One build of both editions of a 24-case Welsh inspection with findings, illustrations and area data."""
    folder = tmp_path_factory.mktemp("editions")
    inspection = make_inspection(folder / "lead.hmip", drafts=2)
    with inspection.transaction():
        pass
    inspection.set_finding(ff.FOREWORD, "Gwaith da yng **Ngwynedd**: ŵ ŷ.\n\n> A sentencer said the reports helped.")
    inspection.set_finding(ff.RECOMMENDATIONS, "1. Plans name the risks to children.\n2. Reviews happen on time.")
    inspection.set_finding(ff.CONTEXT_AREA, "## Figures\n\n| Place | People |\n|---|---|\n| Bangor | 18,000 |")
    inspection.set_finding(
        "area.data",
        json.dumps(
            {
                "tables": [
                    {
                        "title": "Poblogaeth ŵ",
                        "label": "Ardal",
                        "columns": [
                            {"name": "Population", "source": "Census 2011"},
                            {"name": "Unemployment", "source": "ONS 2012"},
                        ],
                        "rows": [
                            {"label": "Ynys Môn", "values": ["69,700", "7.4%"]},
                            {"label": "Gwynedd", "values": ["121,900", "n/a"]},
                        ],
                    }
                ]
            }
        ),
    )
    pdf, web = folder / "report.pdf", folder / "web"
    info = build_report(inspection, pdf, html_dir=web)
    assert info.html_path == web / "index.html" and info.path == pdf
    return pdf, web / "index.html", inspection


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


class Page(HTMLParser):
    """What a checker needs from the page: headings, tables, images, links, scripts, attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.tables: list[dict[str, object]] = []
        self.svgs: list[dict[str, str]] = []
        self.after_svg: list[str] = []
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.tags: Counter[str] = Counter()
        self.text: list[str] = []
        self.lang = ""
        self._heading: list[str] | None = None
        self._level = 0
        self._svg_open = False
        self._waiting_after_svg = False
        self._hidden = 0  # inside <style>, <script> or <title>: not text on the page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        if tag in ("style", "script", "title") and not self._svg_open:
            self._hidden += 1
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("href", "src", "xlink:href", "action", "srcset", "poster", "data"):
            if name in values:
                self.urls.append(values[name])
        if tag == "html":
            self.lang = values.get("lang", "")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._level = [], int(tag[1])
        if tag == "table":
            self.tables.append({"caption": False, "col_headers": 0, "scoped": True})
            if self._waiting_after_svg:
                self.after_svg.append("table")
                self._waiting_after_svg = False
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        if tag == "th" and self.tables:
            self.tables[-1]["col_headers"] = int(self.tables[-1]["col_headers"]) + (values.get("scope") == "col")
            if values.get("scope") not in ("col", "row"):
                self.tables[-1]["scoped"] = False
        if tag == "svg":
            self.svgs.append(values)
            self._svg_open = True
        if tag in ("p", "div", "figure", "svg") and self._waiting_after_svg and tag not in ("div",):
            self.after_svg.append(tag)
            self._waiting_after_svg = False

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title") and not self._svg_open:
            self._hidden -= 1
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._level, " ".join("".join(self._heading).split())))
            self._heading = None
        if tag == "svg":
            self._svg_open = False
            self._waiting_after_svg = True

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if not self._svg_open and not self._hidden:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def visible_text(page: Page) -> str:
    return " ".join(" ".join(page.text).split())


# -- the same report -------------------------------------------------------------------------------


def test_both_editions_show_the_same_figures(editions: tuple[Path, Path, InspectionFile]) -> None:
    pdf, web, inspection = editions
    text_pdf, text_web = pdf_text(pdf), visible_text(parse(web))
    relevant = re.compile(r"\d[\d,]* of \d[\d,]* relevant cases?|no relevant case")
    assert Counter(relevant.findall(text_pdf)) == Counter(relevant.findall(text_web))
    percent = re.compile(r"(?<![\d.])\d{1,3}%")
    assert Counter(percent.findall(text_pdf)) == Counter(percent.findall(text_web))
    assert len(relevant.findall(text_web)) > 100

    result = score_file(inspection)
    for outcome in inspection.instrument.outcomes:
        sentence = sentences.score_sentence(outcome, result.outcomes[outcome.key])
        assert text_web.count(sentence) == text_pdf.count(sentence) == 2, sentence


def test_the_same_chapters_and_criteria_in_the_same_order(editions: tuple[Path, Path, InspectionFile]) -> None:
    pdf, web, inspection = editions
    model, _warnings = gather_model(inspection)
    wanted = [b.key for b in report_blocks(model) if isinstance(b, Heading) and b.in_contents]
    assert len(wanted) >= 30 and "appendix-role" in wanted and "appendix-area" in wanted
    page = parse(web)
    contents_links = [url[1:] for url in page.urls if url.startswith("#") and url != "#main"]
    assert contents_links == wanted
    assert set(wanted) <= page.ids

    outline = PdfReader(str(pdf)).outline
    titles: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)  # type: ignore[attr-defined]

    walk(outline)
    web_titles = [text for level, text in page.headings if level in (2, 3)]
    assert all(title in web_titles for title in titles)
    assert len(titles) == len(wanted)


def test_welsh_letters_are_text_in_the_web_edition(editions: tuple[Path, Path, InspectionFile]) -> None:
    _pdf, web, _inspection = editions
    raw = web.read_text(encoding="utf-8")
    assert raw.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in raw
    text = visible_text(parse(web))
    assert WELSH_AREA in text and "Ynys Môn" in text and "Poblogaeth ŵ" in text and "ŵ ŷ" in text
    assert f"<title>{html.escape(sentences.report_title(WELSH_AREA))}" in raw


# -- accessible structure -----------------------------------------------------------------------------


def test_headings_go_down_one_level_at_a_time(editions: tuple[Path, Path, InspectionFile]) -> None:
    levels = [level for level, _text in parse(editions[1]).headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (before, after)
    assert {2, 3, 4} <= set(levels)


def test_every_table_has_a_caption_and_header_cells(editions: tuple[Path, Path, InspectionFile]) -> None:
    page = parse(editions[1])
    assert len(page.tables) > 40
    for number, table in enumerate(page.tables):
        assert table["caption"], f"table {number} has no caption"
        assert table["scoped"], f"table {number} has a header cell without scope"
    assert sum(1 for t in page.tables if t["col_headers"]) >= len(page.tables) - 5  # team and glossary: row headers


def test_every_chart_is_an_image_with_a_text_alternative_followed_by_its_figures(
    editions: tuple[Path, Path, InspectionFile],
) -> None:
    page = parse(editions[1])
    raw = editions[1].read_text(encoding="utf-8")
    assert len(page.svgs) >= 7
    for svg in page.svgs:
        assert svg.get("role") == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert f'<title id="{title_id}">' in raw and f'<desc id="{desc_id}">' in raw
    assert page.after_svg == ["table"] * len(page.svgs)


def test_the_page_fetches_nothing_and_runs_no_script(editions: tuple[Path, Path, InspectionFile]) -> None:
    page = parse(editions[1])
    raw = editions[1].read_text(encoding="utf-8")
    assert page.tags["script"] == 0 and page.tags["link"] == 0 and page.tags["img"] == 0
    assert page.tags["iframe"] == 0 and page.tags["object"] == 0
    assert page.urls and all(url.startswith("#") for url in page.urls), [u for u in page.urls if not u.startswith("#")]
    assert "@import" not in raw and "url(" not in raw
    assert re.findall(r"https?://[^\s\"'<>]+", raw) == ["http://www.w3.org/2000/svg"] * raw.count("<svg")


def test_a_skip_link_print_styles_and_the_language(editions: tuple[Path, Path, InspectionFile]) -> None:
    page = parse(editions[1])
    raw = editions[1].read_text(encoding="utf-8")
    assert page.lang == "en-GB"
    assert page.urls[0] == "#main" and "main" in page.ids
    assert raw.index('class="skip-link"') < raw.index("<header")
    assert "@media print" in raw and "break-before: page" in raw


def test_a_draft_says_so_at_the_top_and_the_foot(editions: tuple[Path, Path, InspectionFile]) -> None:
    text = visible_text(parse(editions[1]))
    message = "DRAFT – 2 cases incomplete"
    assert text.count(message) == 2
    assert "[To be written: the findings field" in text


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_chart_text_meets_aa_contrast_where_the_checker_cannot_tell(
    editions: tuple[Path, Path, InspectionFile],
) -> None:
    """axe leaves text inside an SVG image "to review" (it cannot see the background): every pair is checked here."""
    raw = editions[1].read_text(encoding="utf-8")
    pairs = set()
    for chart in re.findall(r"<svg .*?</svg>", raw, re.S):
        bars = re.findall(
            r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})"', chart
        )
        for x, y, fill in re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]* fill="(#[0-9a-f]{6})"', chart):
            behind = "#ffffff"
            for bx, by, bw, bh, colour in bars:
                if float(bx) <= float(x) <= float(bx) + float(bw) and float(by) <= float(y) <= float(by) + float(bh):
                    behind = colour
            pairs.add((fill, behind))
    assert len(pairs) >= 4
    for fill, behind in pairs:
        assert contrast(fill, behind) >= 4.5, (fill, behind, round(contrast(fill, behind), 2))


# -- the command ---------------------------------------------------------------------------------------


def test_the_report_command_writes_the_web_edition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_inspection(tmp_path / "lead.hmip", cases=6).close()
    out = tmp_path / "site"
    assert main(["report", str(tmp_path / "lead.hmip"), "--html", str(out)]) == 0
    assert "the web edition" in capsys.readouterr().out
    assert (out / "index.html").is_file() and sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert not (tmp_path / "report.pdf").exists()


def test_the_report_command_needs_somewhere_to_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_inspection(tmp_path / "lead.hmip", cases=3).close()
    assert main(["report", str(tmp_path / "lead.hmip")]) == 3
    assert "--out FILE.pdf, --html OUT_DIR, or both" in capsys.readouterr().err
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    assert main(["report", str(tmp_path / "lead.hmip"), "--html", str(tmp_path / "taken")]) == 3
    assert "is a file; the web edition needs a folder" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file"


# -- a real browser and an automated checker ------------------------------------------------------------


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_or_skip() -> tuple[str, Path]:
    browser = chromium()
    missing = [name for name, ok in (("chromium", browser), ("axe-core", AXE_JS.is_file())) if not ok]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the accessibility check, but {', '.join(missing)} is missing (see .ci/run)")
        pytest.skip(f"{', '.join(missing)} not installed here (.ci/run installs them)")
    assert browser is not None
    return browser, AXE_JS


AXE_RUN = """
axe.run(document, {runOnly: {type: "tag", values: %s}}).then(function (r) {
  function brief(items) {
    return items.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" ") + " :: " + n.failureSummary; })};
    });
  }
  document.documentElement.setAttribute("data-axe-result", JSON.stringify({
    violations: brief(r.violations), incomplete: brief(r.incomplete),
    passes: r.passes.map(function (p) { return p.id; }),
    inapplicable: r.inapplicable.map(function (p) { return p.id; })}));
}, function (e) { document.documentElement.setAttribute("data-axe-result", JSON.stringify({error: String(e)})); });
"""


def run_axe(browser: str, axe: Path, page: Path, work: Path) -> dict[str, list[dict[str, object]]]:
    """Load a copy of `page` with axe-core added in headless Chromium; axe's results, read from the DOM."""
    source = page.read_text(encoding="utf-8")
    script = f"<script>{axe.read_text(encoding='utf-8')}</script><script>{AXE_RUN % json.dumps(WCAG_22_AA)}</script>"
    checked = page.with_name("axe-check.html")
    end = source.rindex("</body>")
    checked.write_text(source[:end] + script + source[end:], encoding="utf-8")
    profile = work / "chromium-profile"
    completed = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=60000",
            "--dump-dom",
            checked.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    checked.unlink()
    found = re.search(r'data-axe-result="([^"]*)"', completed.stdout)
    assert found, f"axe gave no result (exit {completed.returncode}): {completed.stderr[-2000:]}"
    result: dict[str, list[dict[str, object]]] = json.loads(html.unescape(found.group(1)))
    assert "error" not in result, result
    return result


def test_no_wcag_22_aa_violations_in_headless_chromium(
    editions: tuple[Path, Path, InspectionFile], tmp_path: Path
) -> None:
    browser, axe = browser_or_skip()
    result = run_axe(browser, axe, editions[1], tmp_path)
    print(
        f"axe-core at WCAG 2.2 AA: {len(result['passes'])} rules passed, {len(result['violations'])} violations, "
        f"{len(result['incomplete'])} to review, {len(result['inapplicable'])} not applicable"
    )
    for item in result["incomplete"]:
        print("to review:", item)
    assert result["violations"] == []
    assert len(result["passes"]) >= 15  # the check really ran: headings, tables, contrast, language...
    assert {"color-contrast", "html-has-lang", "document-title", "th-has-data-cells"} <= set(result["passes"])


def test_the_checker_finds_a_violation_when_there_is_one(
    editions: tuple[Path, Path, InspectionFile], tmp_path: Path
) -> None:
    """The check above can fail: the same page without its language and with grey-on-white text does."""
    browser, axe = browser_or_skip()
    broken = tmp_path / "broken.html"
    raw = editions[1].read_text(encoding="utf-8")
    broken.write_text(
        raw.replace('<html lang="en-GB">', "<html>").replace("--muted: #595959", "--muted: #c8c8c8"), encoding="utf-8"
    )
    found = {v["id"] for v in run_axe(browser, axe, broken, tmp_path)["violations"]}
    assert {"html-has-lang", "color-contrast"} <= found


# -- the contents' text ------------------------------------------------------------------------------


#: Markup with what each edition once read differently: entities, a non-breaking space, tags, a break.
TRICKY_HEADING = "<b>3.</b>&nbsp;Risk &amp; <i>need</i> &lt;RoSH&gt;<br/>part&#160;2 &#8211; women&nbsp;&nbsp;only"
TRICKY_TEXT = "3. Risk & need <RoSH> part 2 – women only"


def test_both_editions_list_a_heading_in_their_contents_in_the_same_words(tmp_path: Path) -> None:
    from typing import cast

    from hmip_desktop.report.content.blocks import Contents, Paragraph
    from hmip_desktop.report.html.render import _Page
    from hmip_desktop.report.model import ReportModel
    from hmip_desktop.report.pdf.document import ReportDoc
    from hmip_desktop.report.pdf.fonts import register_fonts
    from hmip_desktop.report.pdf.layout import Layout
    from hmip_desktop.report.pdf.styles import make_styles

    blocks = [
        Contents("Contents"),
        Heading(0, TRICKY_HEADING, key="tricky", in_contents=True, running="Risk"),
        Paragraph("The chapter."),
    ]
    # The web edition: the contents' link text.
    page = _Page(cast(ReportModel, None), blocks)
    assert [entry.text for entry in page.contents] == [TRICKY_TEXT]
    nav = page.block(blocks[0])
    assert f">{html.escape(TRICKY_TEXT, quote=False)}</a>" in nav
    # The PDF: the bookmark, and the contents page (which lays the entry out as markup).
    register_fonts()
    out = tmp_path / "contents.pdf"
    doc = ReportDoc(str(out), running_title="A report", draft_message="")
    doc.multiBuild(Layout(make_styles()).flowables(blocks))
    reader = PdfReader(str(out))
    assert [item.title for item in reader.outline] == [TRICKY_TEXT]
    assert TRICKY_TEXT in " ".join((reader.pages[0].extract_text() or "").split())
