"""The clinic's branding settings: a name, a logo and an accent colour, checked before the server
starts (the browser check that they show is in test_e2e_axe.py)."""

from __future__ import annotations

import pytest

from app import config
from app.cli import EXIT_USAGE, main


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [
        ("#ffffff", 1.0),
        ("#000000", 21.0),
        ("#000", 21.0),
        # Worked by hand from WCAG 2.1's relative luminance: #767676 is the lightest grey that
        # passes AA on white, #777777 the darkest that fails.
        ("#767676", 4.54),
        ("#777777", 4.48),  # 4.478: said as 4.47 (cut, never rounded up to a pass)
    ],
)
def test_contrast_on_white_is_wcags_ratio(colour, ratio):
    assert config.contrast_on_white(colour) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize("colour", ["#1d4ed8", "#1D4ED8", "#767676", "#166534"])
def test_an_accent_colour_dark_enough_for_white_text_is_taken(monkeypatch, colour):
    monkeypatch.setenv("RESURFACE_ACCENT_COLOR", f" {colour} ")
    assert config.accent_color() == colour.lower()


def test_no_accent_colour_leaves_streamlits_own(monkeypatch):
    monkeypatch.delenv("RESURFACE_ACCENT_COLOR", raising=False)
    assert config.accent_color() is None
    monkeypatch.setenv("RESURFACE_ACCENT_COLOR", "")
    assert config.accent_color() is None


@pytest.mark.parametrize(
    ("colour", "said"),
    [
        (
            "#ff4b4b",
            "RESURFACE_ACCENT_COLOR #ff4b4b is too light: its contrast with white is 3.30:1, and "
            "the white text on buttons and the links on white pages need at least 4.5:1 to be "
            "readable; choose a darker shade",
        ),
        (
            "#777777",
            "RESURFACE_ACCENT_COLOR #777777 is too light: its contrast with white is 4.47:1, and "
            "the white text on buttons and the links on white pages need at least 4.5:1 to be "
            "readable; choose a darker shade",
        ),
        ("red", "RESURFACE_ACCENT_COLOR must be a hex colour such as #1d4ed8, not 'red'"),
        ("#12345", "RESURFACE_ACCENT_COLOR must be a hex colour such as #1d4ed8, not '#12345'"),
    ],
)
def test_the_server_refuses_an_accent_colour_it_cannot_use_and_says_why(
    monkeypatch, capsys, tmp_path, colour, said
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    monkeypatch.setenv("RESURFACE_ACCENT_COLOR", colour)
    with pytest.raises(config.SettingError) as info:
        config.accent_color()
    assert str(info.value) == said
    assert main(["serve"]) == EXIT_USAGE  # a setting to fix, as docs/administration.md says
    assert capsys.readouterr().err == f"resurface: error: {said}\n"
    assert not (tmp_path / "never.db").exists(), "refused before anything was opened"


def test_a_logo_must_be_an_image_file(monkeypatch, tmp_path):
    monkeypatch.setenv("RESURFACE_LOGO", str(tmp_path / "missing.png"))
    with pytest.raises(config.SettingError, match=r"names .*missing\.png, which is not a file$"):
        config.logo()
    (tmp_path / "notes.txt").write_text("not an image")
    monkeypatch.setenv("RESURFACE_LOGO", str(tmp_path / "notes.txt"))
    with pytest.raises(
        config.SettingError, match=r"must be an image \(\.png, .*\), not notes\.txt$"
    ):
        config.logo()
    (tmp_path / "logo.PNG").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setenv("RESURFACE_LOGO", str(tmp_path / "logo.PNG"))
    assert config.logo() == tmp_path / "logo.PNG"
    monkeypatch.setenv("RESURFACE_LOGO", "")
    assert config.logo() is None


def test_the_name_shown_is_the_clinics_when_set_and_resurface_otherwise(monkeypatch):
    monkeypatch.delenv("RESURFACE_CLINIC_NAME", raising=False)
    assert config.app_name() == "Resurface"
    assert config.clinic_name() == "Resurface training"  # the certificates' issuer, as before
    monkeypatch.setenv("RESURFACE_CLINIC_NAME", "  Northside   Skin Clinic ")
    assert config.app_name() == "Northside Skin Clinic"
    assert config.clinic_name() == "Northside Skin Clinic"
