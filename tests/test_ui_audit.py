"""The audit log page: a manager filters, pages and downloads; trainees and trainers are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ui_helpers import open_page, sign_in, titles, values

from app import useradmin
from app.store import audit as audit_store
from app.store.db import writing
from app.ui import keys

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def busy(ui, fresh_db):
    """130 comment lines by tina, a minute apart, from T0 on (on top of the people's own)."""
    with writing(fresh_db) as conn:
        for i in range(130):
            audit_store.record(
                conn,
                T0 + timedelta(minutes=i),
                ui["tina"].id,
                "comment.add",
                "ann",
                attempt=1000 + i,
                position=None,
            )
    return ui


def logged(engine, action: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        return audit_store.lines(conn, action)


def table(at):
    [frame] = [d.value for d in at.dataframe]
    return frame


def label(at) -> str:
    [shown] = [m for m in values(at.markdown) if m.endswith((" lines", " line"))]
    return shown


def audit_page(name: str = "boss", **params):
    return open_page(sign_in(name), "audit", **params)


def test_a_manager_sees_every_line_newest_first(busy, fresh_db):
    at = audit_page()
    assert titles(at) == ["Audit log"]
    total = len(logged(fresh_db))
    frame = table(at)
    assert label(at) == f"**1\u2013100 of {total}** lines"
    assert len(frame) == 100
    assert list(frame.columns) == ["When", "Who", "Action", "Target", "Details", "Line"]
    # boss signing in just now is the newest line; then the people made at fixture time.
    assert (frame.loc[0, "Who"], frame.loc[0, "Action"], frame.loc[0, "Target"]) == (
        "boss",
        "login",
        "boss",
    )
    assert frame["When"].is_monotonic_decreasing
    assert "user.create" in set(frame["Action"])
    tina_comment = frame[frame["Action"] == "comment.add"].iloc[0]
    assert tina_comment["Details"] == "attempt=1129, position=none"
    assert not at.warning


def test_filters_by_who_action_search_and_dates(busy, fresh_db):
    at = audit_page()
    at.selectbox(key=keys.AUDIT_USER).set_value("tina").run()
    assert set(table(at)["Who"]) == {"tina"}
    assert label(at) == "**1\u2013100 of 130** lines"

    at.selectbox(key=keys.AUDIT_USER).set_value("console").run()
    assert set(table(at)["Who"]) == {"(console)"}
    assert set(table(at)["Action"]) == {"user.create"}, "boss was the first manager, made here"

    at.button(key=keys.AUDIT_CLEAR).click().run()
    at.multiselect(key=keys.AUDIT_ACTIONS).set_value(["user.*"]).run()
    assert set(table(at)["Action"]) == {"user.create"}
    assert len(table(at)) == 6
    at.multiselect(key=keys.AUDIT_ACTIONS).set_value(["login"]).run()
    assert set(table(at)["Action"]) == {"login"}

    at.button(key=keys.AUDIT_CLEAR).click().run()
    at.text_input(key=keys.AUDIT_SEARCH).input("attempt=1005").run()  # not JSON: no match
    assert values(at.info) == ["No lines match these filters."]
    at.text_input(key=keys.AUDIT_SEARCH).input("1005").run()
    assert table(at)["Details"].tolist() == ["attempt=1005, position=none"]

    at.button(key=keys.AUDIT_CLEAR).click().run()
    at.date_input(key=keys.AUDIT_FROM).set_value(T0.date())
    at.date_input(key=keys.AUDIT_TO).set_value(T0.date()).run()
    assert label(at) == "**1\u2013100 of 130** lines"  # all of tina's lines fall on that day

    at.date_input(key=keys.AUDIT_TO).set_value(T0.date() - timedelta(days=1)).run()
    assert values(at.warning) == ["The 'To' date is before the 'From' date, so no line can match."]
    assert values(at.info) == ["No lines match these filters."]
    assert not at.dataframe


def test_action_choices_include_groups(busy):
    at = audit_page()
    assert at.multiselect(key=keys.AUDIT_ACTIONS).options == [
        "comment (all)",
        "comment.add",
        "login",
        "user (all)",
        "user.create",
    ]


def test_pages_step_jump_resize_and_return_to_the_first_on_a_new_filter(busy, fresh_db):
    at = audit_page()
    total = len(logged(fresh_db))
    at.selectbox(key=keys.AUDIT_PER_PAGE).set_value(50).run()
    assert label(at) == f"**1\u201350 of {total}** lines"
    assert at.button(key=keys.AUDIT_PREV).disabled
    first = table(at)

    at.button(key=keys.AUDIT_NEXT).click().run()
    assert label(at) == f"**51\u2013100 of {total}** lines"
    assert at.number_input(key=keys.AUDIT_PAGE).value == 2
    assert not set(table(at)["Line"]) & set(first["Line"])
    assert not at.button(key=keys.AUDIT_PREV).disabled

    at.number_input(key=keys.AUDIT_PAGE).set_value(3).run()
    assert label(at) == f"**101\u2013{total} of {total}** lines"
    assert at.button(key=keys.AUDIT_NEXT).disabled
    assert table(at)["Details"].iloc[-1] == "attempt=1000, position=none", "the oldest line"

    at.button(key=keys.AUDIT_PREV).click().run()
    assert label(at) == f"**51\u2013100 of {total}** lines"

    at.selectbox(key=keys.AUDIT_USER).set_value("tina").run()
    assert label(at) == "**1\u201350 of 130** lines", "a new filter starts at its first page"


def test_a_link_presets_the_filters(busy):
    at = audit_page(user="TINA", action="comment.add", q="1129")
    assert at.selectbox(key=keys.AUDIT_USER).value == "tina"
    assert at.multiselect(key=keys.AUDIT_ACTIONS).value == ["comment.add"]
    assert table(at)["Details"].tolist() == ["attempt=1129, position=none"]


def test_the_download_offers_the_filtered_lines_and_is_logged_only_when_taken(busy, fresh_db):
    at = audit_page()
    at.selectbox(key=keys.AUDIT_USER).set_value("tina").run()
    [button] = at.get("download_button")
    assert button.proto.label == "Download these 130 lines (CSV)"
    assert not button.proto.disabled
    assert not logged(fresh_db, "export"), "rendering is no export"


def test_new_lines_show_after_refresh(busy, fresh_db):
    at = audit_page()
    useradmin.set_active(fresh_db, busy["boss"], "bob", False)
    at.button(key=keys.AUDIT_REFRESH).click().run()
    frame = table(at)
    assert (frame.loc[0, "Action"], frame.loc[0, "Target"]) == ("user.deactivate", "bob")
    assert "user.deactivate" in at.multiselect(key=keys.AUDIT_ACTIONS).options


@pytest.mark.parametrize("name", ["ann", "tina"])
def test_trainees_and_trainers_are_refused(busy, name):
    at = audit_page(name)
    assert "Audit log" not in titles(at)
    assert not at.dataframe
    assert not at.get("download_button")
    assert titles(at) == [f"Welcome, {busy[name].display_name}"]


def test_an_unknown_user_in_a_link_falls_back_to_everyone(busy):
    at = audit_page(user="nobody")
    assert at.selectbox(key=keys.AUDIT_USER).value == "__all__"
    assert at.dataframe


def test_times_show_in_the_browsers_zone(busy):
    at = audit_page(user="tina")
    # AppTest has no browser zone, so UTC: tina's newest line is T0 + 129 minutes.
    assert table(at).loc[0, "When"] == datetime(2026, 3, 2, 11, 9)
