import re

import pytest

from roleqa.clean import clean_page, sentence_case
from roleqa.config import SHIPPED_CORPUS

from .conftest import ROOT

RAW = (ROOT / "sources" / "000_cafb6aafcb78b802.txt").read_text(encoding="utf-8")
JUNK = [
    "Find other PDF article",
    "bioRxiv",
    "CAppdata",
    "CAPPData",
    "DUNS",
    "WeChat",
    "weixin",
    "tencent",
    "NVIDIA",
    "Back to Home",
    "Steam",
    "Netease",
    "xwechat",
    "soc.up.edu.ph",
    "preprint",
]


@pytest.fixture(scope="module")
def cleaned() -> str:
    return clean_page(RAW)


def test_committed_corpus_is_the_cleaned_source(cleaned):
    committed = (SHIPPED_CORPUS / "data-science-vs-machine-learning-engineer.md").read_text(encoding="utf-8")
    assert committed == cleaned, "corpus/ is stale: run `make clean-corpus`"


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_cut(cleaned, junk):
    assert junk in RAW or junk.lower() in RAW.lower()
    assert junk.lower() not in cleaned.lower()


def test_escapes_and_bold_markers_are_gone(cleaned):
    assert "\\$" not in cleaned and "\\" not in cleaned
    assert "**" not in cleaned
    assert "$100,000" in cleaned


def test_no_line_is_shouting(cleaned):
    for line in cleaned.splitlines():
        words = re.findall(r"[A-Za-z]{4,}", line)
        caps = [w for w in words if w.isupper()]
        assert len(caps) <= 2, line


@pytest.mark.parametrize(
    "term",
    [
        "Python",
        " R ",
        "SQL",
        "Java",
        "C++",
        "TensorFlow",
        "PyTorch",
        "Keras",
        "scikit-learn",
        "pandas",
        "NumPy",
        "Matplotlib",
        "Jupyter",
        "Tableau",
        "Power BI",
        "Docker",
        "Kubernetes",
        "AWS",
        "Azure",
        "Google Cloud",
        "SageMaker",
        "(EDA)",
        "APIs",
        "A/B testing",
        "Ph.D.",
        " AI",
        "Azure ML",
    ],
)
def test_names_and_acronyms_are_spelled_as_usual(cleaned, term):
    assert term in cleaned


def test_broken_paragraphs_are_joined(cleaned):
    assert "backgrounds, with a focus on machine learning and artificial intelligence." in cleaned
    assert "ask relevant questions, and provide actionable insights" in cleaned


def test_headings_are_at_their_level(cleaned):
    assert "\n### 4. Tools and technologies\n" in cleaned
    assert "\n### What tools and technologies do data scientists commonly use?\n" in cleaned
    assert cleaned.startswith("# Data Science Vs Machine Learning Engineer\n")
    assert cleaned.count("\n## ") == 5


def test_sentence_case_rules():
    assert sentence_case("HELLO THERE. HOW ARE YOU?") == "Hello there. How are you?"
    assert sentence_case("DATA CLEANING: ENSURING QUALITY", label=True) == "Data cleaning: Ensuring quality"
    assert sentence_case("PANDAS AND NUMPY IN PYTHON") == "pandas and NumPy in Python"
    assert sentence_case("A MASTER'S OR PH.D.) THAT") == "A master's or Ph.D.) that"


def test_cleaning_is_idempotent(cleaned):
    assert clean_page(cleaned) == cleaned
