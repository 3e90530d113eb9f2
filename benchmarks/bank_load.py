"""Time loading and fully validating 10,000 generated questions in 20 bank files.

The banks are generated with a fixed seed: every question is valid, uses the real topic ids and
cites real passages of the source documents (``../shared/seeds``, or ``RESURFACE_SOURCES``), so
``app.bank.load`` does all its work (positions, schema, answer-key rules, quote look-ups, the
own-words check, the shipped quiz blueprints drawn against 10,000 candidates) and keeps every
question. A mix of single, multiple, true/false and matching questions, with a few case studies.

Baseline, measured in the same run: a bare ``yaml.safe_load`` (PyYAML's pure-Python loader) of
the same files, and, for scale, the C loader (``CSafeLoader``). Target: the whole load and
validation no slower than the bare pure-Python load. Prints a table; asserts nothing.

    python benchmarks/bank_load.py [--quick] [--questions 10000] [--files 20] [--seed 42]
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from measure import Row, Run, sample, standalone, timing

from app import config
from app.bank import load

# Plain words for generated texts; twelve in a row are never a run of any source.
WORDS = """
    patient client skin layer laser heat energy session week month redness swelling healing care
    advice clinic trainee technician device setting depth surface texture tone scar wrinkle line
    pigment cream cleanser shade outdoor sleep pillow makeup visit booking plan record photo
    consent form history medicine allergy reaction follow check review calm gentle strong mild
    short long early late first second third often rarely usually always never before after
    during around between under over within beyond about nearly quite rather
"""
VOCAB = tuple(WORDS.split())
TAGS = ("basics", "safety", "timing", "products", "consult", "numbers")


def passages(sources: Path) -> dict[str, list[str]]:
    """Sentences of each source document long enough to be quoted (6 to 30 words)."""
    out: dict[str, list[str]] = {}
    for path in sorted(sources.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found = [
            s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if 6 <= len(s.split()) <= 30
        ]
        if found:
            out[path.stem] = found
    return out


class _Writer:
    def __init__(self, rng: random.Random, quotes: dict[str, list[str]]) -> None:
        self.rng = rng
        self.quotes = quotes
        self.docs = sorted(quotes)

    def text(self, low: int, high: int) -> str:
        words = self.rng.choices(VOCAB, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def distinct(self, n: int, low: int, high: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            t = self.text(low, high)
            if t.casefold() not in {o.casefold() for o in out}:
                out.append(t)
        return out

    def sources(self) -> list[dict]:
        docs = self.rng.sample(self.docs, k=self.rng.choice((1, 1, 2)))
        return [{"doc": d, "quote": self.rng.choice(self.quotes[d])} for d in docs]

    def question(self, qid: str, case: str | None) -> dict:
        rng = self.rng
        kind = rng.choices(("single", "multiple", "true_false", "matching"), (40, 20, 25, 15))[0]
        q: dict = {"id": qid, "type": kind, "difficulty": rng.randint(1, 3)}
        if case:
            q["case"] = case
        # Half secure, for the certification exam; a case is secure or not as a whole.
        if case.endswith("-1") if case else rng.random() < 0.5:
            q["exam_only"] = True
        q["stem"] = self.text(12, 24)
        if kind == "single":
            texts = self.distinct(rng.choice((3, 4)), 4, 10)
            right = rng.randrange(len(texts))
            q["options"] = [{"text": t} for t in texts]
            q["options"][right]["correct"] = True
            q["options"][(right + 1) % len(texts)]["feedback"] = self.text(8, 16)
        elif kind == "multiple":
            texts = self.distinct(4, 4, 10)
            q["options"] = [{"text": t, "correct": i < 2} for i, t in enumerate(texts)]
            rng.shuffle(q["options"])
        elif kind == "true_false":
            q["answer"] = rng.random() < 0.5
        else:
            q["pairs"] = [
                {"left": left, "right": right}
                for left, right in zip(self.distinct(3, 2, 5), self.distinct(3, 3, 8), strict=True)
            ]
        q["explanation"] = self.text(20, 40)
        q["sources"] = self.sources()
        if rng.random() < 0.6:
            q["tags"] = rng.sample(TAGS, k=rng.randint(1, 2))
        return q


def generate(folder: Path, questions: int, files: int, seed: int, sources: Path) -> None:
    """Write a content tree: the shipped topics, sources and quizzes, and the generated banks."""
    rng = random.Random(seed)
    shipped = config.quizzes_dir()
    for name in ("topics.yaml", "sources.yaml", "quizzes.yaml"):
        shutil.copy(shipped / name, folder / name)
    topics = [t["id"] for t in yaml.safe_load((shipped / "topics.yaml").read_text())["topics"]]
    writer = _Writer(rng, passages(sources))
    (folder / "banks").mkdir()
    per_file = [questions // files + (i < questions % files) for i in range(files)]
    for f, count in enumerate(per_file):
        bank = f"bench-{f + 1:02}"
        cases = [
            {"id": f"{bank}-case-{c}", "title": writer.text(3, 6), "vignette": writer.text(30, 50)}
            for c in (1, 2)
        ]
        body = {
            "bank": {
                "id": bank,
                "title": f"Benchmark bank {f + 1}",
                "topic": topics[f % len(topics)],
            },
            "cases": cases,
            "questions": [
                writer.question(f"{bank}-{i:04}", cases[i // 3]["id"] if i < 6 else None)
                for i in range(count)
            ],
        }
        text = yaml.dump(body, Dumper=yaml.CSafeDumper, sort_keys=False, width=100)
        (folder / "banks" / f"{bank}.yaml").write_text(text, encoding="utf-8")


def measure(run: Run) -> list[Row]:
    questions, files = run.size(10_000, 1_000), 20
    rounds = run.size(3, 1)
    sources = config.sources_dir()
    if sources is None:
        run.note("bank load: no source documents found, so the banks could not be generated")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, questions, files, run.seed, sources)
        paths = sorted(folder.rglob("*.yaml"))
        texts = [p.read_text(encoding="utf-8") for p in paths]
        size = sum(len(t.encode()) for t in texts)

        def full() -> None:
            cat = load([folder], sources_dir=sources, root=folder)
            if cat.problems or len(cat.entries) != questions:
                raise SystemExit(f"generated banks did not validate: {cat.problems[:3]}")

        full()  # warm-up, and the check that every question is kept
        loaded = sample(full, rounds)
        pure = sample(lambda: [yaml.load(t, Loader=yaml.SafeLoader) for t in texts], rounds)
        c = sample(lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts], rounds)
    label = f"{questions:,} questions, {files} files, {size / 1e6:.1f} MB"
    what = "bank load + full validation (quotes checked)"
    return [
        timing(what, label, loaded, "bare yaml.safe_load, pure Python", pure, "<= 1x"),
        timing(what, label, loaded, "bare yaml.load, CSafeLoader", c),
    ]


def main() -> int:
    return standalone(measure, __doc__, seed=True)


if __name__ == "__main__":
    raise SystemExit(main())
