"""Adversarial content: fuzzed broken banks and hostile YAML never crash the loader or sink the rest.

Two fuzzers mutate a valid bank (``SKIN``) next to two valid banks and a quiz that draws from them:
one edits the parsed data and knows exactly which problem it caused, the other edits the text and
bytes and checks the loader against plain ``yaml.safe_load``. Every run is the same run
(``derandomize``), so a failure in CI is a failure on a laptop. Then each hostile file on its own:
alias bombs, Python tags, a 50 MB file, 10,000-deep nesting, text that is not UTF-8. Each is refused
by a limit checked before the work it would cause (see ``app.bank.yamlpos``); how long that takes
is measured by ``benchmarks/hostile_yaml.py``, not asserted here.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from ui_helpers import attempt_id, open_page, shipped_catalogue, sign_in, values, widget_keys

from app import attempts, config
from app.bank import Catalogue, load
from app.bank.catalogue import MAX_PROBLEMS, STOPPED
from app.bank.schema import QUESTION_TYPES
from app.bank.yamlpos import MAX_BYTES, MAX_DEPTH, MAX_VALUES, YamlError, load_text
from app.ui import keys
from conftest import BANK, SEED, SOURCES, TOPICS, messages

# --- the content tree the fuzzers break a file in ----------------------------------------------

SKIN = """\
bank:
  id: skin
  title: Skin typing
  topic: planning
  description: Reading the skin before treatment.
cases:
  - id: skin-case-tan
    title: Summer tan
    vignette: A client arrives with a fresh tan from a beach holiday.
questions:
  - id: skin-type-001
    type: single
    difficulty: 1
    stem: Which scale grades how skin reacts to sun?
    options:
      - {text: The Fitzpatrick scale, correct: true, feedback: It grades burning and tanning.}
      - {text: The Glasgow scale}
      - {text: The Richter scale}
    explanation: The Fitzpatrick scale sorts skin by how it burns and tans.
    sources:
      - {doc: doc1, quote: "the new skin is very sensitive to light"}
    tags: [sun, typing]
  - id: skin-type-002
    type: multiple
    difficulty: 2
    stem: Which signs point to a recent tan?
    options:
      - {text: Darker skin than the client's usual shade, correct: true}
      - {text: Tan lines at the straps, correct: true}
      - {text: A cold sore}
    explanation: A fresh tan shows as darker skin with sharp lines.
    sources:
      - doc: doc1
        quote: "protect the treated area from the sun"
  - id: skin-type-003
    type: true_false
    difficulty: 2
    case: skin-case-tan
    stem: The client can be treated today as planned.
    answer: false
    explanation: Treating tanned skin raises the risk of pigment changes.
    sources:
      - {doc: doc1, quote: "can burn easily. Keep it clean"}
  - id: skin-type-004
    type: matching
    difficulty: 3
    stem: Match each finding to what it suggests.
    pairs:
      - {left: Tan lines, right: Recent sun}
      - {left: Peeling, right: Recent burn}
      - {left: Freckles, right: Sun-sensitive skin}
    explanation: Each finding tells something about recent sun.
    sources:
      - {doc: doc1, quote: "for several weeks, because the new skin"}
    tags: [typing]
"""

PLAN = """\
bank: {id: plan, title: Planning, topic: planning}
questions:
  - id: plan-patch-001
    type: true_false
    difficulty: 1
    stem: A patch test comes before a full treatment.
    answer: true
    explanation: A small test area shows how the skin responds.
    sources:
      - {doc: doc1, quote: "the new skin is very sensitive"}
"""

QUIZZES = """\
quizzes:
  - id: both-banks
    title: Both banks
    description: One question from each valid bank.
    mode: practice
    pass_mark: 50
    draw:
      - {bank: care, count: 1}
      - {bank: plan, count: 1}
"""

VALID = {"care-sun-001", "plan-patch-001"}  # the questions of the banks that are never broken
SKIN_DATA = yaml.safe_load(SKIN)
SKIN_IDS = {q["id"] for q in SKIN_DATA["questions"]}
# Before and after the valid banks in load order: a broken file must not leak into the next one.
NAMES = ("banks/aa-fuzzed.yaml", "banks/zz-fuzzed.yaml")
_BREAKS = re.compile(rb"\r\n|\r|\n")

FUZZ = settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    database=None,
    # No "explain" phase: it writes patch files into the work tree, and it imports a module that
    # warns (the warnings are errors here), which would hide a real failure behind its own.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Topics, sources, two valid banks and a quiz; the fuzzers add one broken bank at a time."""
    root = tmp_path_factory.mktemp("fuzz")
    for rel, text in {
        "quizzes/topics.yaml": TOPICS,
        "quizzes/sources.yaml": SOURCES,
        "quizzes/quizzes.yaml": QUIZZES,
        "quizzes/banks/care.yaml": BANK,
        "quizzes/banks/plan.yaml": PLAN,
        "seeds/doc1.txt": SEED,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def load_with(tree: Path, name: str, raw: bytes) -> Catalogue:
    """Load the tree with ``raw`` written to ``name``; the file is gone again afterwards."""
    path = tree / "quizzes" / name
    path.write_bytes(raw)
    try:
        return load([tree / "quizzes"], sources_dir=tree / "seeds", root=tree / "quizzes")
    finally:
        path.unlink()


def assert_contained(cat: Catalogue, name: str, raw: bytes) -> None:
    """Every problem is in the broken file, at a line it has; everything else loaded in full."""
    last_line = len(_BREAKS.findall(raw)) + 1
    for p in cat.problems:
        assert p.file == name, str(p)
        assert 1 <= p.line <= last_line, f"{p} (the file has {last_line} lines)"
        assert str(p).startswith(f"{name}:{p.line}: {p.subject}: ")
    assert {q for q, e in cat.entries.items() if e.file != name} == VALID
    assert {"care", "plan"} <= set(cat.banks)
    assert set(cat.quizzes) == {"both-banks"}
    assert len([p for p in cat.problems if p.message == STOPPED]) <= 1
    assert len(cat.problems) <= MAX_PROBLEMS + 1


def test_the_fuzzing_tree_and_template_are_valid(tree):
    cat = load_with(tree, NAMES[0], SKIN.encode())
    assert messages(cat) == []
    assert set(cat.entries) == VALID | SKIN_IDS
    assert {cat.entries[q].question.type for q in SKIN_IDS} == set(QUESTION_TYPES)


# --- fuzzing the data: each mutation knows the problem it causes -------------------------------

CHARS = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"])
SOME_TEXT = st.text(CHARS, max_size=12)
NOT_TEXT_OR_NULL = st.one_of(
    st.integers(),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.integers(), max_size=2),
    st.sampled_from(["", "   "]),
)
NOT_TEXT = st.one_of(st.none(), NOT_TEXT_OR_NULL)
NOT_IDENT = st.one_of(
    NOT_TEXT,
    st.from_regex(r"[A-Z0-9_ -][a-z]{0,5}|[a-z]+--[a-z]+|[a-z]+-", fullmatch=True),
    st.just("a" * 65),
)
NOT_LIST = st.one_of(st.none(), st.integers(), st.booleans(), SOME_TEXT, st.just({"a": 1}))
NOT_MAPPING = st.one_of(st.none(), st.integers(), SOME_TEXT, st.lists(st.integers(), max_size=2))
WRONG: dict[str, st.SearchStrategy[Any]] = {
    "text": NOT_TEXT,
    "optional text": NOT_TEXT_OR_NULL,
    "ident": NOT_IDENT,
    "doc": st.one_of(NOT_TEXT, st.sampled_from(["doc two", "-doc", "doc2", "Doc1"])),
    "difficulty": st.one_of(
        st.integers().filter(lambda n: not 1 <= n <= 3), st.booleans(), st.floats(), SOME_TEXT
    ),
    "bool": st.one_of(st.integers(), SOME_TEXT, st.none(), st.just([True])),
    "type": st.one_of(SOME_TEXT.filter(lambda s: s not in QUESTION_TYPES), st.integers()),
    "case": st.one_of(SOME_TEXT.filter(lambda s: s != "skin-case-tan"), st.integers()),
    "list": NOT_LIST,
    "nonempty": st.one_of(NOT_LIST, st.just([])),
    "mapping": NOT_MAPPING,
}
QUESTION_FIELDS = {
    "id": "ident",
    "type": "type",
    "difficulty": "difficulty",
    "stem": "text",
    "explanation": "text",
    "sources": "nonempty",
    "tags": "list",
    "case": "case",
    "options": "nonempty",
    "answer": "bool",
    "pairs": "nonempty",
}
PART_FIELDS = {  # a list of mappings in a question -> its fields
    "options": {"text": "text", "correct": "bool", "feedback": "optional text"},
    "pairs": {"left": "text", "right": "text"},
    "sources": {"doc": "doc", "quote": "text"},
}
REQUIRED = {
    "question": {"id", "type", "difficulty", "stem", "explanation", "sources"},
    "options": {"text"},
    "pairs": {"left", "right"},
    "sources": {"doc", "quote"},
    "bank": {"id", "title", "topic"},
    "cases": {"id", "title", "vignette"},
    "top": {"bank", "questions"},
}
BY_TYPE = {"single": "options", "multiple": "options", "true_false": "answer", "matching": "pairs"}


@dataclass(frozen=True)
class Broken:
    """A broken copy of ``SKIN`` and the problem it must produce."""

    what: str
    data: Any
    subject: str
    field: str
    path: tuple[str | int, ...]  # where the problem's line is (or the nearest node that exists)
    left_out: frozenset[str] | set[str] = frozenset(SKIN_IDS)  # SKIN's questions that must not load
    name: str = ""


def field_name(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def subject_of(question: Any, i: int) -> str:
    ident = question.get("id") if isinstance(question, dict) else None
    return ident if isinstance(ident, str) else f"questions[{i}]"


@st.composite
def broken_data(draw: st.DrawFn) -> Broken:
    data = copy.deepcopy(SKIN_DATA)
    qs = data["questions"]
    i = draw(st.integers(0, len(qs) - 1))
    q = qs[i]
    sid = q["id"]
    kind = draw(
        st.sampled_from(
            [
                "retype question field",
                "retype part field",
                "retype header or case field",
                "retype an item",
                "delete a required key",
                "unknown key",
                "duplicate question id",
                "duplicate case id",
                "repeated option",
                "wrong number of correct options",
                "unknown case",
                "unknown topic",
                "quote not in the source",
                "copied from the source",
                "id taken by another bank",
            ]
        )
    )
    if kind == "retype question field":
        fields = [f for f in QUESTION_FIELDS if f in q or f == "case"]
        fields += [BY_TYPE[q["type"]]]
        f = draw(st.sampled_from(sorted(set(fields))))
        wrong = WRONG[QUESTION_FIELDS[f]]
        if f == "options" and q["type"] == "multiple":
            wrong = NOT_LIST  # an empty list of a multiple-answer question fails two rules
        q[f] = draw(wrong)
        return Broken(kind, data, subject_of(q, i), f, ("questions", i, f), {sid})
    if kind == "retype part field":
        part = draw(st.sampled_from([p for p in PART_FIELDS if p in q]))
        j = draw(st.integers(0, len(q[part]) - 1))
        f = draw(st.sampled_from(sorted(PART_FIELDS[part])))
        q[part][j][f] = draw(WRONG[PART_FIELDS[part][f]])
        return Broken(kind, data, sid, f"{part}[{j}].{f}", ("questions", i, part, j, f), {sid})
    if kind == "retype header or case field":
        where = draw(st.sampled_from(["bank", "cases"]))
        node = data["bank"] if where == "bank" else data["cases"][0]
        f = draw(st.sampled_from(sorted(node)))
        kind_of = {"id": "ident", "topic": "ident", "description": "optional text"}
        node[f] = draw(WRONG[kind_of.get(f, "text")])
        path = ("bank", f) if where == "bank" else ("cases", 0, f)
        return Broken(kind, data, "bank", field_name(path), path)
    if kind == "retype an item":
        where = draw(st.sampled_from(["question", "part", "bank", "case", "questions"]))
        if where == "question":
            qs[i] = draw(NOT_MAPPING)
            return Broken(kind, data, f"questions[{i}]", "", ("questions", i), {sid})
        if where == "part":
            part = draw(st.sampled_from([p for p in PART_FIELDS if p in q]))
            j = draw(st.integers(0, len(q[part]) - 1))
            q[part][j] = draw(NOT_MAPPING)
            return Broken(kind, data, sid, f"{part}[{j}]", ("questions", i, part, j), {sid})
        if where == "bank":
            data["bank"] = draw(NOT_MAPPING)
            return Broken(kind, data, "bank", "bank", ("bank",))
        if where == "case":
            data["cases"][0] = draw(NOT_MAPPING)
            return Broken(kind, data, "bank", "cases[0]", ("cases", 0))
        data["questions"] = draw(WRONG["nonempty"])
        return Broken(kind, data, "bank", "questions", ("questions",))
    if kind == "delete a required key":
        where = draw(st.sampled_from(["question", "part", "bank", "cases", "top"]))
        if where == "question":
            f = draw(st.sampled_from(sorted(REQUIRED["question"] | {BY_TYPE[q["type"]]})))
            del q[f]
            return Broken(kind, data, subject_of(q, i), f, ("questions", i, f), {sid})
        if where == "part":
            part = draw(st.sampled_from([p for p in PART_FIELDS if p in q]))
            j = draw(st.integers(0, len(q[part]) - 1))
            f = draw(st.sampled_from(sorted(REQUIRED[part])))
            del q[part][j][f]
            return Broken(kind, data, sid, f"{part}[{j}].{f}", ("questions", i, part, j, f), {sid})
        if where == "top":
            f = draw(st.sampled_from(sorted(REQUIRED["top"])))
            del data[f]
            return Broken(kind, data, "bank", f, (f,))
        node = data["bank"] if where == "bank" else data["cases"][0]
        f = draw(st.sampled_from(sorted(REQUIRED[where])))
        del node[f]
        path = ("bank", f) if where == "bank" else ("cases", 0, f)
        return Broken(kind, data, "bank", field_name(path), path)
    if kind == "unknown key":
        key = draw(SOME_TEXT.filter(lambda k: k != "<<" and k.strip() == k and k))
        where = draw(st.sampled_from(["question", "part", "bank", "top"]))
        if where == "question":
            node, path, subject = q, ("questions", i), sid
        elif where == "part":
            part = draw(st.sampled_from([p for p in PART_FIELDS if p in q]))
            j = draw(st.integers(0, len(q[part]) - 1))
            node, path, subject = q[part][j], ("questions", i, part, j), sid
        elif where == "bank":
            node, path, subject = data["bank"], ("bank",), "bank"
        else:
            node, path, subject = data, (), "bank"
        if key in node or (where == "question" and key in QUESTION_FIELDS):
            key += "-extra"
        node[key] = draw(st.one_of(st.integers(), SOME_TEXT))
        confined = where in ("question", "part")
        shown = path[2:] if confined else path
        out = {sid} if confined else SKIN_IDS
        return Broken(kind, data, subject, field_name((*shown, key)), (*path, key), out)
    if kind == "duplicate question id":
        j = draw(st.integers(0, len(qs) - 1).filter(lambda j: j != i))
        first, second = sorted((i, j))
        out = {qs[second]["id"]}
        qs[second]["id"] = qs[first]["id"]
        return Broken(kind, data, qs[first]["id"], "id", ("questions", second), out)
    if kind == "duplicate case id":
        data["cases"].append(dict(data["cases"][0], title="Winter tan"))
        return Broken(kind, data, "skin-case-tan", "id", ("cases", 1), set())
    if kind == "repeated option":
        i = draw(st.sampled_from([0, 1]))  # the single- and multiple-answer questions
        j = draw(st.integers(1, 2))
        options = qs[i]["options"]
        options[j]["text"] = options[draw(st.integers(0, j - 1))]["text"]
        path = ("questions", i, "options", j)
        return Broken(kind, data, qs[i]["id"], f"options[{j}].text", path, {qs[i]["id"]})
    if kind == "wrong number of correct options":
        i = draw(st.sampled_from([0, 1]))
        for option in qs[i]["options"]:
            option["correct"] = qs[i]["type"] == "single"  # single: 3 right; multiple: none
        path = ("questions", i, "options")
        return Broken(kind, data, qs[i]["id"], "options", path, {qs[i]["id"]})
    if kind == "unknown case":
        q["case"] = draw(st.from_regex(r"skin-case-[a-z]{1,8}", fullmatch=True))
        if q["case"] == "skin-case-tan":
            q["case"] = "skin-case-none"
        return Broken(kind, data, sid, "case", ("questions", i, "case"), {sid})
    if kind == "unknown topic":
        data["bank"]["topic"] = draw(st.sampled_from(["nowhere", "aftercare", "plans"]))
        return Broken(kind, data, "bank", "topic", ("bank", "topic"))
    if kind == "quote not in the source":
        q["sources"][0]["quote"] = draw(
            st.sampled_from(["this sentence is not in the leaflet", "too short here"])
        )
        path = ("questions", i, "sources", 0, "quote")
        return Broken(kind, data, sid, "sources[0].quote", path, {sid})
    if kind == "copied from the source":
        q["stem"] = SEED.split(", because")[0] + "?"
        return Broken(kind, data, sid, "stem", ("questions", i, "stem"), {sid})
    assert kind == "id taken by another bank"
    q["id"] = draw(st.sampled_from(sorted(VALID)))
    return Broken(kind, data, q["id"], "id", ("questions", i), {sid}, name=NAMES[1])


def line_in(text: str, path: tuple[str | int, ...]) -> int:
    """The line of the deepest node on ``path``: a key's line, or an item's first line."""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if k.value == part]
            if not found:
                break
            key, node = found[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


@FUZZ
@given(broken=broken_data(), name=st.sampled_from(NAMES), flow=st.booleans())
def test_fuzzed_data_reports_the_problem_it_caused_and_nothing_else(tree, broken, name, flow):
    event(broken.what)
    name = broken.name or name
    # Block style as an author writes it, or all on one line, where every problem is on line 1.
    text = yaml.dump(
        broken.data,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        allow_unicode=True,
        width=10**6 if flow else 1000,
        default_flow_style=flow,
    )
    cat = load_with(tree, name, text.encode())
    assert_contained(cat, name, text.encode())
    found = [(p.subject, p.field, p.line) for p in cat.problems]
    assert (broken.subject, broken.field, line_in(text, broken.path)) in found, (
        broken.what,
        messages(cat),
    )
    left_out = {qid for qid in SKIN_IDS if qid not in cat.entries}
    assert left_out == set(broken.left_out), "only what is broken is left out"


# --- fuzzing the text: whatever comes out, the loader agrees with plain PyYAML -----------------

TOKENS = [
    "&a ", "*a", "!!python/object/apply:os.system ['true'] ", "!foo ", "{", "}", "[", "]",
    ": ", "- ", "? ", "|", ">", "%YAML 1.1\n", "@", "`", "'", '"', "#", "\t", "\x00", "\r",
    "\ufeff", "\u2028", "\x85", "\x1b", "!!binary ", "!!int ", "!!timestamp ", "~", "<<: ",
    "---\n", "...\n", "2024-02-30", "1" * 5000, "\\", "é", "\U0001f600",
]  # fmt: skip


@st.composite
def broken_bytes(draw: st.DrawFn) -> bytes:
    raw = SKIN.encode()
    for _ in range(draw(st.integers(1, 4))):
        lines = raw.splitlines(keepends=True) or [b""]
        at = draw(st.integers(0, len(raw)))
        n = draw(st.integers(0, len(lines) - 1))
        how = draw(
            st.sampled_from(
                ["truncate", "delete line", "duplicate line", "swap lines", "indent", "dedent",
                 "insert bytes", "replace byte", "insert token", "re-encode"]
            )
        )  # fmt: skip
        if how == "truncate":
            raw = raw[:at]
        elif how == "delete line":
            raw = b"".join(lines[:n] + lines[n + 1 :])
        elif how == "duplicate line":
            raw = b"".join(lines[: n + 1] + lines[n:])
        elif how == "swap lines":
            m = draw(st.integers(0, len(lines) - 1))
            lines[n], lines[m] = lines[m], lines[n]
            raw = b"".join(lines)
        elif how == "indent":
            lines[n] = draw(st.sampled_from([b" ", b"  ", b"\t", b"   "])) + lines[n]
            raw = b"".join(lines)
        elif how == "dedent":
            lines[n] = lines[n][draw(st.integers(1, 4)) :]
            raw = b"".join(lines)
        elif how == "insert bytes":
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
        elif how == "replace byte":
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
        elif how == "insert token":
            raw = raw[:at] + draw(st.sampled_from(TOKENS)).encode() + raw[at:]
        else:
            codec = draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252"]))
            raw = (
                raw.decode("utf-8", "replace")
                .replace("Fitzpatrick", "Fitzpätrick")
                .encode(codec, "replace")
            )
    return raw


@FUZZ
@given(raw=broken_bytes(), name=st.sampled_from(NAMES))
def test_fuzzed_text_is_loaded_or_reported_never_lost(tree, raw, name):
    cat = load_with(tree, name, raw)
    assert_contained(cat, name, raw)
    if cat.problems:
        return
    # Nothing reported: then the file must be a bank that plain PyYAML reads the same way, and
    # every question in it must have loaded.
    data = yaml.safe_load(raw)
    assert isinstance(data, dict)
    assert data["bank"]["id"] in cat.banks
    mine = {q for q, e in cat.entries.items() if e.file == name}
    assert mine == {q["id"] for q in data["questions"]}


# --- hostile files, one at a time ---------------------------------------------------------------


def hostile(check: Callable[..., Catalogue], content: Path, raw: bytes) -> list[str]:
    """Load the content tree with ``raw`` as banks/hostile.yaml; the valid bank must still load."""
    (content / "quizzes" / "banks" / "hostile.yaml").write_bytes(raw)
    cat = check()
    assert list(cat.entries) == ["care-sun-001"], "the other bank is still served"
    assert {p.file for p in cat.problems} == {"banks/hostile.yaml"}
    return messages(cat)


H = "banks/hostile.yaml"


def another(bank: str) -> str:
    """``BANK`` as a different bank of the same topic, with ids of its own."""
    return BANK.replace("care-", f"{bank}-").replace("{id: care,", f"{{id: {bank},")


ALIASES = "anchors and aliases (&name, *name) are not allowed; write the value out"


def billion_laughs(levels: int = 10, width: int = 10) -> str:
    lines = [f'lol0: &lol0 "{"lol" * 3}"']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_the_first_alias(check, content):
    assert hostile(check, content, billion_laughs().encode()) == [f"{H}:2: bank: {ALIASES}"]


def test_an_alias_bomb_inside_a_question_is_refused(check, content):
    bomb = BANK.replace(
        "    stem: What should the client avoid after treatment?\n",
        "    stem: &s [a, b, c, d, e, f, g, h]\n"
        + "".join(f"    s{i}: &s{i} [{', '.join([f'*s{i - 1}' if i > 1 else '*s'] * 9)}]\n"
                  for i in range(1, 9)),
    ).replace("care-", "bomb-").replace("{id: care,", "{id: bomb,")  # fmt: skip
    assert hostile(check, content, bomb.encode()) == [f"{H}:9: bank: {ALIASES}"]


PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:builtins.object {{}}",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
    "!!python/tuple [1, 2]",
    "!custom 1",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_and_custom_tags_are_refused_and_never_run(check, content, tmp_path, tag):
    marker = tmp_path / "pwned"
    evil = BANK.replace("difficulty: 1", f"difficulty: {tag.format(marker=marker)}")
    [message] = hostile(check, content, evil.encode())
    assert message.startswith(f"{H}:7: bank: the tag '!")
    assert message.endswith(
        "' is not allowed (could not determine a constructor for the tag): "
        "write plain text, numbers, lists and mappings"
    )
    assert not marker.exists(), "nothing was executed"


def test_tag_directives_do_not_reach_python(check, content, tmp_path):
    marker = tmp_path / "pwned"
    evil = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + BANK.replace(
        "difficulty: 1", f"difficulty: !p!object/apply:os.system ['touch {marker}']"
    )
    [message] = hostile(check, content, evil.encode())
    assert message == (
        f"{H}:9: bank: the tag '!!python/object/apply:os.system' is not allowed (could not "
        "determine a constructor for the tag): write plain text, numbers, lists and mappings"
    )
    assert not marker.exists()


def test_a_50_megabyte_file_is_refused_before_it_is_read(check, content):
    path = content / "quizzes" / "banks" / "hostile.yaml"
    question = BANK.split("questions:\n")[1]
    with path.open("w", encoding="utf-8") as out:
        out.write("bank: {id: huge, title: Huge, topic: care}\nquestions:\n")
        n = 0
        while out.tell() < 50 * 1024 * 1024:
            out.write(question.replace("care-sun-001", f"huge-{n:07d}"))
            n += 1
    size = path.stat().st_size
    assert size >= 50 * 1024 * 1024
    cat = check()
    assert messages(cat) == [
        f"{H}:1: bank: file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes"
    ]
    assert list(cat.entries) == ["care-sun-001"]


def test_a_file_just_under_the_size_limit_is_read(check, content):
    text = another("big")
    text += "# " + "x" * (MAX_BYTES - len(text) - 3) + "\n"
    assert len(text.encode()) == MAX_BYTES
    (content / "quizzes" / "banks" / "hostile.yaml").write_text(text)
    cat = check()
    assert messages(cat) == [], "only a file over the limit is refused"
    assert sorted(cat.entries) == ["big-sun-001", "care-sun-001"]


DEEP = 10_000
NESTINGS = {
    "flow lists": ("[" * DEEP + "]" * DEEP, 1),
    "flow mappings": ("{a: " * DEEP + "1" + "}" * DEEP, 1),
    "block lists": ("- " * DEEP + "x\n", 1),
    "mixed": ("[{a: " * (DEEP // 2) + "1" + "}]" * (DEEP // 2), 1),
    # Block mappings need their indentation: 10,000 levels would be 50 MB, so 1,000 (500 KB).
    "block mappings": ("".join(" " * i + "a:\n" for i in range(1000)) + " " * 1000 + "x\n", 65),
    "inside a question": (BANK.replace("[sun]", "[" * DEEP + "sun" + "]" * DEEP), 16),
}


@pytest.mark.parametrize("name", NESTINGS)
def test_deep_nesting_is_refused_at_the_depth_limit(check, content, name):
    text, line = NESTINGS[name]
    assert hostile(check, content, text.encode()) == [
        f"{H}:{line}: bank: nested more than {MAX_DEPTH} levels deep"
    ]


def test_nesting_up_to_the_limit_is_read():
    assert load_text("[" * MAX_DEPTH + "]" * MAX_DEPTH).data is not None
    with pytest.raises(YamlError, match=f"nested more than {MAX_DEPTH} levels deep"):
        load_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


NOT_UTF8 = {
    "a stray byte": (b"bank: {}\nquestions:\n  - \xff\n", "not valid UTF-8 text", 3),
    "latin-1 text": ("bank: {}\nstem: caf\xe9\n".encode("latin-1"), "not valid UTF-8 text", 2),
    "an overlong slash": (b"a: 1\nb: \xc0\xaf\n", "not valid UTF-8 text", 2),
    "a cut-off character": (b"a: 1\n\nb: \xe2\x82", "not valid UTF-8 text", 3),
    "an encoded surrogate": (b"a: \xed\xa0\x80\n", "not valid UTF-8 text", 1),
    "old Mac line ends": (b"a: 1\rb: 2\r\xff\r", "not valid UTF-8 text", 3),
    "UTF-16 with a BOM": (BANK.encode("utf-16"), "the file is UTF-16 text; save it as UTF-8", 1),
    "UTF-16 big-endian": (
        b"\xfe\xff" + BANK.encode("utf-16-be"),
        "the file is UTF-16 text; save it as UTF-8",
        1,
    ),
    "UTF-32": (BANK.encode("utf-32"), "the file is UTF-32 text; save it as UTF-8", 1),
    "UTF-16 without a BOM": (
        BANK.encode("utf-16-le"),
        "contains a NUL byte: this is a binary file or UTF-16 text, not UTF-8 YAML",
        1,
    ),
    "a NUL byte": (
        BANK.replace("Cold water", "Cold\x00water").encode(),
        "contains a NUL byte: this is a binary file or UTF-16 text, not UTF-8 YAML",
        11,
    ),
    "an escape character": (
        BANK.replace("Cold water", "Cold \x1b[31mwater").encode(),
        "contains the control character U+001B, which YAML does not allow",
        11,
    ),
    "a line separator": (
        BANK.replace("Cold water", "Cold\u2028water").encode(),
        "contains the Unicode line break U+2028; use an ordinary line break",
        11,
    ),
}


@pytest.mark.parametrize("name", NOT_UTF8)
def test_text_that_is_not_utf8_yaml_is_refused_with_its_line(check, content, name):
    raw, message, line = NOT_UTF8[name]
    assert hostile(check, content, raw) == [f"{H}:{line}: bank: {message}"]


def test_a_utf8_byte_order_mark_is_fine(check, content):
    (content / "quizzes" / "banks" / "bom.yaml").write_bytes(
        b"\xef\xbb\xbf" + another("bom").encode()
    )
    cat = check()
    assert messages(cat) == []
    assert sorted(cat.entries) == ["bom-sun-001", "care-sun-001"]


UNREADABLE = {
    "an impossible date": ("difficulty: 2024-02-30", "cannot read '2024-02-30' as a date"),
    "a 5,000-digit number": ("difficulty: " + "9" * 5000, "cannot read '" + "9" * 39 + "…' as a whole number"),
    "!!int on text": ("difficulty: !!int one", "cannot read 'one' as a whole number"),
    "!!float on text": ("difficulty: !!float one", "cannot read 'one' as a number"),
    "!!bool on text": ("difficulty: !!bool maybe", "cannot read 'maybe' as true or false"),
    "!!timestamp on text": ("difficulty: !!timestamp soon", "cannot read 'soon' as a date"),
}  # fmt: skip


@pytest.mark.parametrize("name", UNREADABLE)
def test_values_pyyaml_cannot_build_are_reported_not_raised(check, content, name):
    replacement, message = UNREADABLE[name]
    text = another("odd").replace("difficulty: 1", replacement)
    assert hostile(check, content, text.encode()) == [
        f"{H}:7: bank: {message}; put it in quotes if it is meant as text"
    ]


@pytest.mark.parametrize(
    ("key", "kind"),
    [("1", "a whole number"), ("true", "true or false"), ("~", "nothing (null)"),
     ("2024-01-01", "a date"), ("1.5", "a number")],
)  # fmt: skip
def test_keys_that_are_not_text_are_refused(check, content, key, kind):
    text = BANK.replace("    tags: [sun]\n", f"    tags: [sun]\n    {key}: x\n")
    assert hostile(check, content, text.encode()) == [
        f"{H}:17: bank: the key '{key}' reads as {kind}, not text; put it in quotes"
    ]


def test_a_file_of_too_many_values_is_refused_before_it_is_built(check, content):
    text = "bank: {id: wide, title: Wide, topic: care}\nquestions:\n" + "- x\n" * MAX_VALUES
    # 11 values come before the first item (line 3), so item n is value 11 + n, on line n + 2.
    assert hostile(check, content, text.encode()) == [
        f"{H}:{MAX_VALUES - 10 + 2}: bank: more than {MAX_VALUES:,} values in one file; "
        "split it into smaller files"
    ]


def test_a_flood_of_problems_stops_after_the_limit_and_says_where(check, content):
    n = MAX_VALUES // 2
    text = "bank: {id: wide, title: Wide, topic: care}\nquestions:\n" + "- x\n" * n
    shown = hostile(check, content, text.encode())
    assert len(shown) == MAX_PROBLEMS + 1
    assert shown[0] == f"{H}:3: questions[0]: must be a mapping of keys and values"
    assert shown[-1] == f"{H}:{MAX_PROBLEMS + 3}: bank: {STOPPED}"


def test_one_question_with_thousands_of_unknown_keys_is_capped(check, content):
    unknown = "".join(f"    k{i}: 1\n" for i in range(5000))
    text = another("keys").replace("    tags: [sun]\n", f"    tags: [sun]\n{unknown}")
    shown = hostile(check, content, text.encode())
    assert len(shown) == MAX_PROBLEMS + 1
    assert shown[0] == f"{H}:17: keys-sun-001: k0: unknown key"
    assert shown[-1] == f"{H}:{17 + MAX_PROBLEMS}: keys-sun-001: {STOPPED}"


def test_a_broken_file_first_in_order_does_not_stop_the_next_files(content):
    """The per-file problem count starts again in each file."""
    banks = content / "quizzes" / "banks"
    (banks / "aa.yaml").write_text(
        "bank: {id: aa, title: A, topic: care}\nquestions:\n" + "- x\n" * 500
    )
    (banks / "zz.yaml").write_text(
        BANK.replace("care-sun-001", "care-sun-002")
        .replace("{id: care,", "{id: zz,")
        .replace("care-case", "zz-case")
    )
    cat = load([content / "quizzes"], sources_dir=content / "seeds", root=content / "quizzes")
    assert sorted(cat.entries) == ["care-sun-001", "care-sun-002"]
    assert {p.file for p in cat.problems} == {"banks/aa.yaml"}


def test_odd_but_harmless_files_get_a_clear_message(check, content):
    banks = content / "quizzes" / "banks"
    (banks / "folder.yaml").mkdir()
    (banks / "list.yaml").write_text("- a\n- b\n")
    (banks / "comments.yaml").write_text("# nothing here\n")
    (banks / "two.yaml").write_text("bank: {}\n---\nbank: {}\n")
    cat = check()
    assert list(cat.entries) == ["care-sun-001"]
    assert messages(cat) == [
        "banks/comments.yaml:1: bank: the file must be a mapping of keys and values",
        "banks/folder.yaml:1: bank: cannot read file: Is a directory",
        "banks/list.yaml:1: bank: the file must be a mapping of keys and values",
        "banks/two.yaml:2: bank: invalid YAML: but found another document",
    ]


# --- the app: the Question bank page lists hostile files and serves the rest --------------------


def test_the_bank_page_lists_hostile_files_and_the_app_serves_the_rest(
    ui, fresh_db, monkeypatch, tmp_path
):
    shipped = shipped_catalogue()
    content = tmp_path / "quizzes"
    shutil.copytree(config.PROJECT_ROOT / "quizzes", content)
    files = {
        "bomb.yaml": billion_laughs().encode(),
        "python.yaml": BANK.replace(
            "difficulty: 1", "difficulty: !!python/object/apply:os.system ['true']"
        ).encode(),
        "deep.yaml": NESTINGS["flow lists"][0].encode(),
        "latin1.yaml": NOT_UTF8["latin-1 text"][0],
        "utf16.yaml": NOT_UTF8["UTF-16 with a BOM"][0],
        "nul.yaml": NOT_UTF8["a NUL byte"][0],
    }
    for name, raw in files.items():
        (content / "banks" / name).write_bytes(raw)
    with (content / "banks" / "huge.yaml").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # never read, so its bytes do not matter
    monkeypatch.setenv("RESURFACE_QUIZZES", str(content))

    at = open_page(sign_in("tina"), "bank")
    assert not at.exception
    [listed] = [c for c in values(at.code) if "quizzes/" in c]
    problems = listed.splitlines()
    assert sorted(p.split(":")[0] for p in problems) == sorted(
        f"quizzes/banks/{name}" for name in [*files, "huge.yaml"]
    ), "one problem for each hostile file, with its name"
    assert f"quizzes/banks/huge.yaml:1: bank: file is {50 * 1024 * 1024:,} bytes" in listed
    assert f"{len(problems)} problems in the content files" in values(at.warning)[0]
    total = len(shipped.entries)
    assert f"**{total}** of {total} questions" in values(at.markdown), "every real bank is served"

    # A trainee sees every quiz and can start one as usual.
    ann = ui["ann"]
    at = sign_in("ann")
    starts = {k for k in widget_keys(at) if k.startswith(keys.HOME_START)}
    assert starts == {keys.home_start(quiz_id) for quiz_id in shipped.quizzes}
    at.button(key=keys.home_start("practice-aftercare")).click().run()
    assert not at.exception
    view = attempts.get(fresh_db, ann, attempt_id(at))
    assert len(view.questions) == sum(d.count for d in shipped.quizzes["practice-aftercare"].draw)
