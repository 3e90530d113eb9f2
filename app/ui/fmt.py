"""Dates, durations and scores as a reader expects them, in the browser's time zone; topic names
on chart axes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import altair as alt
import streamlit as st

# Pages read percentages as fmt.percent; the rule itself is app.present's, shared with exports.
from app.present import percent as percent


def _zone() -> ZoneInfo | None:
    name = st.context.timezone
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local(moment: datetime) -> datetime:
    zone = _zone()
    return moment.astimezone(zone) if zone else moment.astimezone(UTC)


def when(moment: datetime | None) -> str:
    """``20 Nov 2026, 14:05`` in the browser's zone (UTC, marked, if it is unknown)."""
    if moment is None:
        return "-"
    zone = _zone()
    shown = moment.astimezone(zone or UTC)
    return f"{shown:%d %b %Y, %H:%M}" + ("" if zone else " UTC")


def start_of(d: date) -> datetime:
    """Midnight at the start of ``d`` in the browser's zone (UTC if unknown), as an aware time."""
    return datetime.combine(d, time.min, tzinfo=_zone() or UTC)


def at(d: date, t: time) -> datetime:
    """``d`` at ``t`` in the browser's zone (UTC if unknown), as an aware time."""
    return datetime.combine(d, t, tzinfo=_zone() or UTC)


def day(moment: datetime | None) -> str:
    return "-" if moment is None else f"{local(moment):%d %b %Y}"


def duration(span: timedelta) -> str:
    """``1 h 05 min``, ``12 min 30 s`` or ``45 s``."""
    seconds = max(int(span.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def clock(span: timedelta) -> str:
    """A countdown: ``44:59`` or ``1:02:03``."""
    seconds = max(int(span.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# Characters Markdown (and Streamlit's extensions: :emoji:, :color[...], $math$) would act on.
# Every character Markdown (or the HTML it passes on) could act on: links, images, emphasis, code,
# headings, lists ("- ", "1. ", "+ "), rules ("---", "==="), tables, entities ("&lt;"), LaTeX,
# Streamlit's ":material/...:" icons and ":red[...]" colours. A backslash before any of them
# shows it as typed.
_MARKDOWN = frozenset("\\`*_{}[]()#!|<>~$:-+=.&")


WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)[a-z][a-z0-9+.-]*:(?=//)|www(?=\.)|@")


def plain(text: str) -> str:
    """``text`` as typed, for a Markdown element: a name like ``[x](https://...)`` is no link, a
    comment's ``![x](https://...)`` loads no image; its line breaks stay line breaks.

    The one way what someone typed (names, cohorts, comments, file names, URL parameters, error
    messages that quote them) reaches a page that reads Markdown."""
    # GitHub-flavoured Markdown also links bare addresses (https://..., www..., a@b.c), escapes
    # or not: an invisible WORD JOINER after "https:", "www" or "@" keeps them plain text.
    unlinked = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)
    escaped = "".join("\\" + ch if ch in _MARKDOWN else ch for ch in unlinked)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def percent_x(field: str, title: str) -> alt.X:
    """A percentage along x: 0 to 100 whatever the data holds, a tick every 25."""
    return alt.X(
        field,
        title=title,
        scale=alt.Scale(domain=[0, 100]),
        axis=alt.Axis(values=[0, 25, 50, 75, 100]),
    )


def topic_bars(base: alt.Chart, colour: alt.Color) -> list[alt.Chart]:
    """The layers of a bar chart by topic, on ``base`` (x, y and tooltips; a ``shown`` column
    with each figure in words): the bars, a tick at each bar's end and the figure beside it, so
    that a topic scored 0% (a bar of no length) reads as zero rather than missing. Layer them
    with ``alt.layer`` and give the chart a step of 30 px (``topic_axis``)."""
    return [
        base.mark_bar().encode(color=colour),
        base.mark_tick(thickness=3, orient="vertical").encode(color=colour),
        base.mark_text(align="left", dx=5, fontSize=11).encode(
            text="shown:N", color=alt.value("#31333f")
        ),
    ]


def topic_axis() -> alt.Axis:
    """The y axis of a chart by topic: a name longer than 20 characters ("Contraindications and
    patient selection") goes on two lines, centred on its bar, rather than cut off with "…" on
    a phone-width chart. Give the chart a step of 30 px or more for the two lines."""
    width = 20
    cut = f"lastindexof(substring(datum.label, 0, {width + 1}), ' ')"
    wraps = f"length(datum.label) > {width} && {cut} >= 1"
    return alt.Axis(
        labelExpr=f"{wraps} ? [substring(datum.label, 0, {cut}), substring(datum.label, {cut} + 1)]"
        " : datum.label",
        labelOffset=alt.ExprRef(f"{wraps} ? -7 : 0"),  # the two lines' middle on the bar
        labelLimit=140,
        labelOverlap=False,
    )
