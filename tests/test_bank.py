"""Loading content safely: positions, hostile YAML, broken files that must not sink the rest."""

from __future__ import annotations

import time

import pytest

from app.bank.yamlpos import MAX_BYTES, YamlError, load_text
from conftest import BANK, messages

B = "banks/care.yaml"


def test_lines_point_at_keys_and_items():
    located = load_text("a: 1\nlist:\n  - x\n  - {k: v}\n")
    assert located.line_of(("a",)) == 1
    assert located.line_of(("list", 1)) == 4
    assert located.line_of(("list", 1, "k")) == 4
    assert located.line_of(("list", 1, "missing")) == 4  # falls back to the nearest ancestor


def test_syntax_error_reports_its_line(check):
    cat = check({B: BANK.replace("    difficulty: 1\n", "    difficulty: [1\n")})
    [problem] = cat.problems
    assert problem.file == B
    assert problem.line == 8
    assert problem.message.startswith("invalid YAML:")


def test_python_tags_are_refused(check):
    evil = BANK.replace(
        "difficulty: 1", "difficulty: !!python/object/apply:os.system ['echo pwned']"
    )
    [problem] = check({B: evil}).problems
    assert (problem.line, problem.subject) == (7, "bank")
    assert "could not determine a constructor" in problem.message


def test_alias_bomb_is_refused_quickly():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    started = time.perf_counter()
    with pytest.raises(YamlError, match="anchors and aliases") as info:
        load_text("\n".join(levels) + "\n")
    assert time.perf_counter() - started < 1.0  # a real expansion would take minutes and gigabytes
    assert info.value.line == 2  # where the first alias is used


def test_duplicate_keys_are_refused(check):
    [problem] = check(
        {B: BANK.replace("    difficulty: 1\n", "    difficulty: 1\n    difficulty: 2\n")}
    ).problems
    assert str(problem) == f"{B}:8: bank: duplicate key 'difficulty'"


def test_merge_keys_are_refused():
    with pytest.raises(YamlError, match="merge keys"):
        load_text("base: {a: 1}\nother:\n  <<: {a: 2}\n")


def test_oversized_file_is_refused_before_parsing(check, content):
    big = content / "quizzes" / "banks" / "huge.yaml"
    big.write_text("# " + "x" * MAX_BYTES + "\n")
    assert messages(check()) == [
        f"banks/huge.yaml:1: bank: file is {big.stat().st_size:,} bytes; the limit is {MAX_BYTES:,} bytes"
    ]


def test_deep_nesting_is_refused_not_crashing():
    with pytest.raises(YamlError, match="nested more than 64 levels deep"):
        load_text("[" * 100_000 + "]" * 100_000)


def test_binary_file_is_reported_with_its_line(check, content):
    (content / "quizzes" / "banks" / "bin.yaml").write_bytes(b"bank: {}\n\xff\xfe\n")
    assert messages(check()) == ["banks/bin.yaml:2: bank: not valid UTF-8 text"]


def test_a_broken_bank_does_not_stop_the_others(check):
    cat = check({"banks/broken.yaml": "bank: {id: broken, title: Broken\nquestions: [\n"})
    assert [p.file for p in cat.problems] == ["banks/broken.yaml"]
    assert "care-sun-001" in cat.entries


def test_a_bad_question_leaves_the_rest_of_its_bank(check):
    bad = BANK + BANK.split("questions:\n")[1].replace("care-sun-001", "care-sun-002").replace(
        "difficulty: 1", "difficulty: x"
    )
    cat = check({B: bad})
    assert messages(cat) == [f"{B}:19: care-sun-002: difficulty: must be a whole number"]
    assert list(cat.entries) == ["care-sun-001"]


def test_empty_file_is_reported(check):
    assert messages(check({"banks/empty.yaml": ""})) == [
        "banks/empty.yaml:1: bank: the file must be a mapping of keys and values"
    ]


def test_bank_ids_must_be_unique(check):
    other = BANK.replace("care-sun-001", "care-sun-002").replace("care-case-beach", "care-case-ski")
    assert messages(check({"banks/zz.yaml": other})) == [
        "banks/zz.yaml:1: bank: id: bank id 'care' is already used at banks/care.yaml:1"
    ]


def test_case_and_entry_are_linked(check):
    cat = check(
        {B: BANK.replace("    tags: [sun]\n", "    tags: [sun]\n    case: care-case-beach\n")}
    )
    entry = cat.entries["care-sun-001"]
    assert entry.case is not None
    assert entry.case.vignette == "A client flies to the coast next week."
    assert (entry.bank, entry.topic, entry.line) == ("care", "care", 5)
