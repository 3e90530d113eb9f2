"""Every validator rule, each with a failing fixture: the exact message and the line it points at."""

from __future__ import annotations

import pytest

from conftest import BANK, messages

B = "banks/care.yaml"


def test_the_fixture_bank_is_valid(check):
    cat = check()
    assert messages(cat) == []
    assert list(cat.entries) == ["care-sun-001"]


def replace(old: str, new: str, text: str = BANK) -> str:
    assert old in text, old
    return text.replace(old, new)


RULES = [
    pytest.param(
        replace("    tags: [sun]\n", "    tags: [sun]\n    hint: look at the sun\n"),
        f"{B}:17: care-sun-001: hint: unknown key",
        id="unknown-key",
    ),
    pytest.param(
        replace("    stem: What should the client avoid after treatment?\n", ""),
        f"{B}:5: care-sun-001: stem: required field is missing",
        id="missing-key",
    ),
    pytest.param(
        replace("  - id: care-sun-001", "  - id: Care_Sun_1"),
        f"{B}:5: Care_Sun_1: id: must be lowercase letters, digits and single hyphens, starting with a letter",
        id="malformed-id",
    ),
    pytest.param(
        replace("{text: Cold water}", "{text: Cold water, correct: true}"),
        f"{B}:9: care-sun-001: options: a single-answer question needs exactly one correct option (has 2 correct)",
        id="single-two-correct",
    ),
    pytest.param(
        replace("      - {text: Gentle cleansing}\n", ""),
        f"{B}:9: care-sun-001: options: a single-answer question needs at least 3 options (has 2)",
        id="single-too-few-options",
    ),
    pytest.param(
        replace("type: single", "type: multiple"),
        f"{B}:9: care-sun-001: options: a multiple-answer question needs at least 2 correct options (has 1 correct)",
        id="multiple-one-correct",
    ),
    pytest.param(
        replace("type: single", "type: multiple")
        .replace("{text: Cold water}", "{text: Cold water, correct: true}")
        .replace("{text: Gentle cleansing}", "{text: Gentle cleansing, correct: true}"),
        f"{B}:9: care-sun-001: options: a multiple-answer question needs at least 1 incorrect option",
        id="multiple-no-incorrect",
    ),
    pytest.param(
        replace("{text: Gentle cleansing}", "{text: '  cold WATER '}"),
        f"{B}:12: care-sun-001: options[2].text: repeats the text of option 2",
        id="duplicate-option-text",
    ),
    pytest.param(
        replace("{text: Gentle cleansing}", "{text: '   '}"),
        f"{B}:12: care-sun-001: options[2].text: must not be empty",
        id="empty-text",
    ),
    pytest.param(
        replace("type: single", "type: singel"),
        f"{B}:6: care-sun-001: type: must be one of single, multiple, true_false, matching (not 'singel')",
        id="unknown-type",
    ),
    pytest.param(
        replace("difficulty: 1", "difficulty: 4"),
        f"{B}:7: care-sun-001: difficulty: must be at most 3",
        id="difficulty-range",
    ),
    pytest.param(
        replace(
            "bank: {id: care, title: Care, topic: care}",
            "bank: {id: care, title: Care, topic: skincare}",
        ),
        f"{B}:1: bank: topic: unknown topic 'skincare' (not in topics.yaml)",
        id="unknown-topic",
    ),
    pytest.param(
        replace("    tags: [sun]\n", "    tags: [sun]\n    case: care-case-ski\n"),
        f"{B}:17: care-sun-001: case: unknown case 'care-case-ski' (cases are defined at the top of the bank)",
        id="unknown-case",
    ),
    pytest.param(
        replace("{doc: doc1,", "{doc: doc9,"),
        f"{B}:15: care-sun-001: sources[0].doc: unknown document 'doc9' (not listed in sources.yaml)",
        id="unknown-source-doc",
    ),
    pytest.param(
        replace(
            '"protect the treated area from the sun"', '"protect the treated area from the wind"'
        ),
        f'{B}:15: care-sun-001: sources[0].quote: quote not found in doc1: "protect the treated area from the wind"',
        id="quote-not-in-source",
    ),
    pytest.param(
        replace('"protect the treated area from the sun"', '"the sun"'),
        f"{B}:15: care-sun-001: sources[0].quote: quote is too short to pin down a passage (at least 4 words)",
        id="quote-too-short",
    ),
    pytest.param(
        replace(
            '    sources:\n      - {doc: doc1, quote: "protect the treated area from the sun"}\n',
            "    sources: []\n",
        ),
        f"{B}:14: care-sun-001: sources: needs at least 1 item",
        id="no-citation",
    ),
    pytest.param(
        replace(
            "explanation: The new skin reacts strongly to light.",
            "explanation: Because the new skin is very sensitive to light and can burn easily, cover it up.",
        ),
        f'{B}:13: care-sun-001: explanation: copies 12+ consecutive words from doc1 ("because the new skin is very '
        'sensitive to light and can burn easily"); use your own words',
        id="explanation-copies-source",
    ),
    pytest.param(
        replace(
            "stem: What should the client avoid after treatment?",
            'stem: "True? You must protect the treated area from the sun for several weeks, because it is new."',
        ),
        f'{B}:8: care-sun-001: stem: copies 12+ consecutive words from doc1 ("you must protect the treated area '
        'from the sun for several weeks because"); use your own words',
        id="stem-copies-source",
    ),
]


@pytest.mark.parametrize(("bank", "expected"), RULES)
def test_rule_reports_message_and_line(check, bank, expected):
    cat = check({B: bank})
    assert messages(cat) == [expected]
    assert "care-sun-001" not in cat.entries  # a question with a problem is never served


TRUE_FALSE = """\
  - id: care-tf-001
    type: true_false
    difficulty: 1
    stem: New skin is sensitive to light.
    answer: {answer}
    explanation: The leaflet says so.
    sources:
      - {{doc: doc1, quote: "very sensitive to light"}}
"""


@pytest.mark.parametrize("answer", ['"true"', "yes please", "1"])
def test_true_false_needs_a_boolean_answer(check, answer):
    cat = check({B: BANK + TRUE_FALSE.format(answer=answer)})
    assert messages(cat) == [f"{B}:21: care-tf-001: answer: must be true or false"]


def test_true_false_with_boolean_is_valid(check):
    cat = check({B: BANK + TRUE_FALSE.format(answer="false")})
    assert messages(cat) == []
    assert cat.entries["care-tf-001"].question.answer is False


MATCHING = """\
  - id: care-match-001
    type: matching
    difficulty: 2
    stem: Match each step to its reason.
    pairs:
      - {{left: Cover up, right: {r1}}}
      - {{left: {l2}, right: Stops infection}}
{more}    explanation: Each step has a reason in the leaflet.
    sources:
      - {{doc: doc1, quote: "keep it clean and moist"}}
"""


def test_matching_needs_three_pairs(check):
    bank = BANK + MATCHING.format(r1="Light sensitivity", l2="Keep clean", more="")
    assert messages(check({B: bank})) == [
        f"{B}:21: care-match-001: pairs: a matching question needs at least 3 pairs (has 2)"
    ]


def test_matching_refuses_repeated_left_or_right(check):
    more = "      - {left: Keep clean, right: Light sensitivity}\n"
    bank = BANK + MATCHING.format(r1="Light sensitivity", l2="Keep clean", more=more)
    assert messages(check({B: bank})) == [
        f"{B}:24: care-match-001: pairs[2].left: repeats the left side of pair 2",
        f"{B}:24: care-match-001: pairs[2].right: repeats the right side of pair 1",
    ]


def test_ids_are_unique_across_files(check):
    other = BANK.replace("bank: {id: care,", "bank: {id: care2,").replace(
        "care-case-beach", "care2-case-beach"
    )
    cat = check({"banks/zz-other.yaml": other})
    assert messages(cat) == [
        "banks/zz-other.yaml:5: care-sun-001: id: question id 'care-sun-001' is already used at banks/care.yaml:5"
    ]
    assert cat.entries["care-sun-001"].file == "banks/care.yaml"


def test_every_problem_is_listed_not_just_the_first(check):
    bank = replace("difficulty: 1", "difficulty: 0").replace(
        "{text: Cold water}", "{text: Cold water, correct: true}"
    )
    bank += TRUE_FALSE.format(answer="maybe")
    assert messages(check({B: bank})) == [
        f"{B}:7: care-sun-001: difficulty: must be at least 1",
        f"{B}:21: care-tf-001: answer: must be true or false",
    ]


def test_rule_errors_of_a_question_are_all_listed(check):
    bank = replace("{text: Cold water}", "{text: Cold water, correct: true}").replace(
        '"protect the treated area from the sun"', '"the sun"'
    )
    assert messages(check({B: bank})) == [
        f"{B}:9: care-sun-001: options: a single-answer question needs exactly one correct option (has 2 correct)",
        f"{B}:15: care-sun-001: sources[0].quote: quote is too short to pin down a passage (at least 4 words)",
    ]


def test_quotes_match_ignoring_case_whitespace_and_curly_quotes(check, content):
    (content / "seeds" / "doc1.txt").write_text(
        "It\u2019s vital to  PROTECT\nthe treated area from the sun."
    )
    bank = replace(
        '"protect the treated area from the sun"', '"it\'s vital to protect the treated area"'
    )
    assert messages(check({B: bank})) == []


def test_without_sources_folder_quotes_are_not_checked(check):
    bank = replace('"protect the treated area from the sun"', '"words that appear nowhere at all"')
    assert messages(check({B: bank}, sources=False)) == []


def test_case_vignette_must_be_own_words(check):
    bank = replace(
        "vignette: A client flies to the coast next week.",
        "vignette: 'Told to protect the treated area from the sun for several weeks, because the new skin burns.'",
    )
    assert messages(check({B: bank})) == [
        f'{B}:3: care-case-beach: vignette: copies 12+ consecutive words from doc1 ("protect the treated area '
        'from the sun for several weeks because the new skin"); use your own words'
    ]


def test_sources_listed_must_exist_and_every_document_must_be_listed(check, content):
    (content / "seeds" / "doc2.txt").write_text("Another document.")
    sources = "sources:\n  - {id: doc1, title: One, summary: First.}\n  - {id: doc3, title: Three, summary: Missing.}\n"
    assert messages(check({"sources.yaml": sources})) == [
        "sources.yaml:1: sources: document 'doc2' is in the sources folder but not listed",
        "sources.yaml:3: doc3: id: no file 'doc3.txt' in the sources folder",
    ]
