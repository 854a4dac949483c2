"""A :class:`~policy_site.diff.compare.DocumentDiff` for readers: HTML for the site, text for a
terminal.

Pure: standard library and markupsafe.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

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
    """The diff as an HTML fragment: a summary, then every section (see module docs for classes).

    Headings are one level below the source's, so the page's own H1 stays the only one. Every
    mark carries visually hidden "Removed: "/"Added: " text from ``_`` so the change is announced
    by screen readers and not conveyed by colour alone. The output depends only on the input.

    The parts are built as plain strings, every text escaped with :func:`markupsafe.escape` as it
    goes in, and marked safe once at the end: ``Markup.format`` would escape the same way, but at
    several times the cost on a site that renders hundreds of diffs.
    """
    parts = [_render_summary(diff, _)]
    parts.extend(_render_section(section, _) for section in diff.sections)
    return Markup("\n".join(parts) + "\n")


def _escape(text: str) -> str:
    return str(escape(text))


def _render_badges(labels: list[tuple[str, str]], kind: str) -> str:
    return " ".join(f'<span class="ps-diff-{kind} ps-diff-{kind}--{modifier}">{_escape(text)}</span>'
                    for modifier, text in labels)


def _render_summary(diff: DocumentDiff, _: Callable[[str], str]) -> str:
    items = [
        f'<li><a href="#diff-{_escape(section.id)}">{_escape(_title(section, _))}</a> '
        f'{_render_badges(_labels(section, _), "badge")} {_render_badges(_counts(section, _), "count")}</li>'
        for section in diff.changed_sections
    ]
    listing = "<ul>\n" + "\n".join(items) + "\n</ul>" if items else f"<p>{_escape(_('No changes'))}</p>"
    unchanged = _("Unchanged sections: %(n)d") % {"n": diff.unchanged_count}
    return ('<nav class="ps-diff-summary" aria-labelledby="ps-diff-summary-title">\n'
            f'<h2 id="ps-diff-summary-title">{_escape(_("Summary of changes"))}</h2>\n{listing}\n'
            f'<p class="ps-diff-unchanged-count">{_escape(unchanged)}</p>\n</nav>')


def _render_mark(op: Op, text: str, _: Callable[[str], str]) -> str:
    tag, css, label = ("del", "ps-del", _("Removed:")) if op == "delete" else ("ins", "ps-ins", _("Added:"))
    return f'<{tag} class="{css}"><span class="ps-vh">{_escape(label)} </span>{_escape(text)}</{tag}>'


def _render_segments(segments: list[Segment], _: Callable[[str], str]) -> str:
    parts: list[str] = []
    for segment in segments:
        if segment.op == "equal":
            parts.append(_escape(segment.text))
            continue
        lead, core, trail = _split_edges(segment.text)
        parts.append(_escape(lead))
        if core:
            parts.append(_render_mark(segment.op, core, _))
        parts.append(_escape(trail))
    return "".join(parts)


def _render_blocks(blocks: list[BlockDiff], _: Callable[[str], str]) -> str:
    """Paragraphs, rows and admonition titles as ``<p>``; runs of items as one ``<ul>``."""
    parts: list[str] = []
    items: list[str] = []
    for block in blocks:
        css = f"ps-diff-block ps-diff-block--{block.kind} ps-diff-block--{block.status}"
        content = _render_segments(block.segments, _)
        if block.kind == "item":
            items.append(f'<li class="{css}">{content}</li>')
            continue
        if items:
            parts.append('<ul class="ps-diff-list">\n' + "\n".join(items) + "\n</ul>")
            items = []
        parts.append(f'<p class="{css}">{content}</p>')
    if items:
        parts.append('<ul class="ps-diff-list">\n' + "\n".join(items) + "\n</ul>")
    return "\n".join(parts)


def _render_section(section: SectionDiff, _: Callable[[str], str]) -> str:
    """A section with a real heading; an untouched one is collapsed, its heading in the summary
    element so the document outline stays complete."""
    level = min(section.level + 1, 6)
    section_id = _escape(section.id)
    heading = (f'<h{level} class="ps-diff-title" id="diff-{section_id}-title">'
               f'{_escape(_title(section, _))} {_render_badges(_labels(section, _), "badge")}</h{level}>')
    body = _render_blocks(section.blocks, _)
    if not section.has_changes:
        inner = f'<details class="ps-diff-unchanged">\n<summary>{heading}</summary>\n{body}\n</details>'
    else:
        parts = [heading]
        if section.renamed and section.old_title is not None:
            previously = _escape(_("Previously: %(title)s")) % {
                "title": _render_mark("delete", section.old_title, _)}
            parts.append(f'<p class="ps-diff-previously">{previously}</p>')
        if body:
            parts.append(body)
        inner = "\n".join(parts)
    css = ["ps-diff-section", f"ps-diff-section--{section.status}"]
    if section.moved:
        css.append("ps-diff-section--moved")
    if section.renamed:
        css.append("ps-diff-section--renamed")
    return (f'<section class="{" ".join(css)}" id="diff-{section_id}" '
            f'aria-labelledby="diff-{section_id}-title">\n{inner}\n</section>')


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
