"""A :class:`~policy_site.diff.compare.DocumentDiff` for readers: HTML for the site, text for a
terminal.

Pure: standard library, markupsafe and Jinja2 (the HTML is the template `templates/diff_body.html`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import jinja2
from markupsafe import Markup

from policy_site.diff.compare import BlockDiff, DocumentDiff, Op, SectionDiff, Segment


def _untranslated(message: str) -> str:
    return message


def _labels(section: SectionDiff, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """(css modifier, text) for each status badge, the same in the summary and the section."""
    labels: list[tuple[str, str]] = []
    if section.status == "added":
        labels.append(("added", _("Section added")))
    elif section.status == "removed":
        labels.append(("removed", _("Section removed")))
    elif section.status == "changed":
        labels.append(("changed", _("Changed")))
    elif not section.has_changes:
        labels.append(("unchanged", _("Unchanged")))
    if section.moved:
        labels.append(("moved", _("Section moved")))
    if section.renamed:
        labels.append(("renamed", _("Section renamed")))
    return labels


def _counts(section: SectionDiff, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """Word counts for the summary; a zero count is left out as noise."""
    counts = []
    if section.words_removed:
        counts.append(("removed", _("Words removed: %(n)d") % {"n": section.words_removed}))
    if section.words_added:
        counts.append(("added", _("Words added: %(n)d") % {"n": section.words_added}))
    return counts


def _title(section: SectionDiff, _: Callable[[str], str]) -> str:
    return section.title or _("Before the first heading")


def _split_edges(text: str) -> tuple[str, str, str]:
    """Leading whitespace, core, trailing whitespace: marks never start or end with a space."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core):]


def render_html(diff: DocumentDiff, _: Callable[[str], str]) -> Markup:
    """The diff as an HTML fragment: a summary, then every section (``templates/diff_body.html``).

    Headings are one level below the source's, so the page's own H1 stays the only one. Every
    mark carries visually hidden "Removed: "/"Added: " text from ``_`` so the change is announced
    by screen readers and not conveyed by colour alone; an untouched section is collapsed, its
    heading in the ``<summary>`` so the document outline stays complete. The output depends only
    on the input. One template render per diff, its loops inside the template: a site renders
    hundreds of them.
    """
    return Markup(_template().render(
        diff=diff, _=_, labels=lambda section: _labels(section, _),
        counts=lambda section: _counts(section, _), title=lambda section: _title(section, _),
        split_edges=_split_edges, item_runs=_item_runs,
    ))


@cache
def _template() -> jinja2.Template:
    """Compiled once per process: the template is part of the package, not of a site."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policy_site", "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("diff_body.html")


def _item_runs(blocks: list[BlockDiff]) -> list[list[BlockDiff]]:
    """Blocks in order, each run of list items together (one ``<ul>``), every other block alone."""
    runs: list[list[BlockDiff]] = []
    for block in blocks:
        if block.kind == "item" and runs and runs[-1][0].kind == "item":
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs


_ANSI = {"delete": "\x1b[31;9m", "insert": "\x1b[32;4m", "heading": "\x1b[1m", "reset": "\x1b[0m"}
_MARKERS = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}
_TEXT_FRAME = {"item": ("- ", ""), "row": ("| ", " |"), "admonition": ("!!! ", "")}


def render_text(
    diff: DocumentDiff, *, color: bool, _: Callable[[str], str] = _untranslated
) -> str:
    """The same diff for a terminal: a summary, then each section with its blocks.

    With ``color`` removals are red and struck through, additions green and underlined (ANSI);
    without it they are written ``[-removed-]`` and ``{+added+}`` so the output reads in a log or
    a pipe. Untouched sections are listed by heading only.
    """

    def mark(op: Op, text: str) -> str:
        if color:
            return f"{_ANSI[op]}{text}{_ANSI['reset']}"
        start, end = _MARKERS[op]
        return f"{start}{text}{end}"

    def segments_text(segments: list[Segment]) -> str:
        out = []
        for segment in segments:
            lead, core, trail = _split_edges(segment.text)
            if segment.op == "equal" or not core:
                out.append(segment.text)
            else:
                out.append(f"{lead}{mark(segment.op, core)}{trail}")
        return "".join(out)

    def describe(section: SectionDiff) -> str:
        words = [text for _modifier, text in _labels(section, _) + _counts(section, _)]
        return f"{_title(section, _)}  [{', '.join(words)}]"

    lines = [_("Summary of changes")]
    lines.extend("  " + describe(section) for section in diff.changed_sections)
    if not diff.has_changes:
        lines.append("  " + _("No changes"))
    lines.append("  " + _("Unchanged sections: %(n)d") % {"n": diff.unchanged_count})
    for section in diff.sections:
        heading = f"{'#' * section.level} {describe(section)}"
        lines += ["", f"{_ANSI['heading']}{heading}{_ANSI['reset']}" if color else heading]
        if not section.has_changes:
            continue
        if section.renamed and section.old_title is not None:
            lines.append(_("Previously: %(title)s") % {"title": mark("delete", section.old_title)})
        previous_kind = None
        for block in section.blocks:
            if block.kind not in ("item", "row") or block.kind != previous_kind:
                lines.append("")
            previous_kind = block.kind
            start, end = _TEXT_FRAME.get(block.kind, ("", ""))
            lines.append(start + segments_text(block.segments) + end)
    return "\n".join(lines) + "\n"
