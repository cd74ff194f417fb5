"""Article text, sentence splitting and source-credit cues."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup import text as text_module
from corpus.dedup.text import article_text, credits_source, sentence_table, split_sentences

from .helpers import make_doc, seed_docs


def test_article_text_is_the_body_paragraphs() -> None:
    doc = make_doc(["A headline without a full stop", "First paragraph here.",
                    "Second paragraph.", "Comments", "Nice article!"], 1, "t")
    text = article_text(doc)
    assert "First paragraph here." in text
    assert "headline" not in text
    assert "\n\n" in text


def test_sentences_respect_abbreviations_and_initials() -> None:
    first = "Mr. Smith met Aleksandr G. Lukashenko at the U.S. Embassy on Feb. 3 in Minsk."
    text = (f"{first} It was very short! Then they left, said Dr. Brown. "
            "“Why?” asked a reporter in the room.")
    sentences = [s.text for s in split_sentences(text)]
    assert sentences[0] == first
    assert sentences[1] == "It was very short!"
    assert sentences[2] == "Then they left, said Dr. Brown."
    assert sentences[-1] == "“Why?” asked a reporter in the room."


def test_short_fragments_join_their_neighbour() -> None:
    text = "Yes. The minister said the plan would go ahead. No way."
    assert [s.text for s in split_sentences(text)] == [text]


def test_sentences_keep_paragraph_numbers() -> None:
    text = "One sentence is here. Another one is here.\n\nA new paragraph starts."
    sentences = split_sentences(text)
    assert [s.paragraph for s in sentences] == [0, 0, 1]


def test_cjk_full_stops_end_sentences() -> None:
    text = "今日は晴れです。明日は雨が降るでしょう。"
    sentences = split_sentences(text)
    assert len(sentences) in (1, 2)  # short fragments may be joined
    assert "".join(s.text for s in sentences).replace(" ", "") == text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300))
def test_splitting_loses_no_words(text: str) -> None:
    words = " ".join(line for line in text.splitlines() if line.strip()).split()
    assert " ".join(s.text for s in split_sentences(text)).split() == words


BEFORE, AFTER = "Some body text comes first here.", "More body text follows here."


@pytest.mark.parametrize(
    "line",
    [
        "According to a New York Times article published on Monday, the talks failed.",
        "according to an Associated Press report, the vote was close.",
        "The plan was approved, according to the Washington Post.",
        "According to Reuters, prices rose.",
        "This story was first published by ProPublica and is republished with permission.",
        "The scandal, as reported by the Guardian, widened last week.",
        "Reprinted with permission from The Atlantic.",
        "Source: Reuters",
        "This article was adapted from a longer essay.",
    ],
)
def test_credit_cues_are_recognised(line: str) -> None:
    doc = make_doc([BEFORE, line, AFTER], 1, line)
    assert credits_source(doc)


@pytest.mark.parametrize(
    "line",
    [
        "The meeting went ahead, according to people who attended.",
        "According to diplomats who attended his briefing, the goal was clear.",
        "According to the State Department, no decision has been made.",
        "She reported the theft to the police on Monday.",
        "The Times Square crowds were smaller than usual.",
    ],
)
def test_ordinary_sentences_are_not_credit_cues(line: str) -> None:
    doc = make_doc([BEFORE, line, AFTER], 1, line)
    assert not credits_source(doc)


def test_headline_outlet_reports_is_a_cue_but_reader_comments_are_not() -> None:
    headline = make_doc(["The Evening Post Reports on a Quiet Deal", "Body text here.",
                         "More body text."], 1, "headline")
    assert credits_source(headline)
    comment = make_doc(["Body text here.", "More body text here.", "Comments",
                        "According to the New York Times this is old news."], 2, "comment")
    assert not credits_source(comment)


def test_seed_cues() -> None:
    credited = {doc.seq for doc in seed_docs() if credits_source(doc)}
    assert credited == {2}


# -- the word pre-check skips no credit ----------------------------------------------------------
_CREDIT_VOCABULARY = [
    'According', 'ACCORDING', 'according', 'to', 'the', 'a', 'an', 'new', 'New', 'York',
    'Times', 'Washington', 'Post', 'Reuters', 'AP', 'article', 'report', 'story', 'piece',
    'interview', 'first', 'First', 'FIRST', 'originally', 'published', 'reported', 'appeared',
    'ran', 'aired', 'by', 'in', 'on', 'at', 'as', 'This', 'this', 'THIS', 'was', 'is',
    'adapted', 'republished', 'reprinted', 'syndicated', 'based', 'from', 'with', 'permission',
    'Source', 'SOURCES', 'Via', 'h/t', 'hat', 'tip', ':', 'reports', 'reveals', 'says',
    'Guardian', 'Evening', 'Daily', 'Wire', 'ſource', 'fİrst', 'fırst', 'reporKed', 'accordinſ',
    'thiſ', 'ſays', 'Ünïcödé', '—', '“quoted”', 'it’s',
]


def former_credit(text: str, top: bool) -> str:
    match = text_module._CREDIT_ANYWHERE.search(text)
    if match is None and top:
        match = text_module._CREDIT_TOP.search(text)
    return "" if match is None else match.group(0).strip()


@settings(max_examples=1000)
@given(
    st.lists(
        st.tuples(st.sampled_from(_CREDIT_VOCABULARY), st.sampled_from([" ", "  ", "\u00a0", ""])),
        max_size=14,
    ).map(lambda pairs: "".join(word + space for word, space in pairs)),
    st.sampled_from(["", " ", "\t"]),
    st.booleans(),
)
def test_credit_of_a_line_equals_the_expressions_alone(line: str, lead: str, top: bool) -> None:
    assert text_module._credit_in(lead + line, top) == former_credit(lead + line, top)


@given(st.text(max_size=120), st.booleans())
def test_credit_of_any_text_equals_the_expressions_alone(line: str, top: bool) -> None:
    assert text_module._credit_in(line, top) == former_credit(line, top)


def test_case_twins_are_every_non_ascii_character_matching_an_ascii_letter() -> None:
    letter = re.compile("(?i:[a-z])")
    twins = {chr(c) for c in range(0x80, sys.maxunicode + 1) if letter.fullmatch(chr(c))}
    assert twins == set(text_module._CASE_TWINS)


_PHRASES = (
    "according to a New York Times article", "According to an Associated Press report",
    "according to the Washington Post", "According to Reuters", "first ran in",
    "originally aired on", "first appeared at", "originally published by",
    "as reported by the Guardian", "reported in Politico", "This story was first published",
    "this piece is based on", "this report appeared", "This article was syndicated",
    "reprinted with permission from", "syndicated from", "adapted from", "republished from",
    "Source:", "sources :", "via:", "h/t:", "hat tip:", "The Daily Wire reports",
    "Reuters says", "the Evening Post reveals", "BBC reported",
)


@settings(max_examples=1000)
@given(
    st.sampled_from(_PHRASES),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.sampled_from(["", " ", "  ", "Officials said ", "He added that, ", "\t"]),
    st.sampled_from(["", ".", " on Monday.", ", officials said.", " — in full."]),
    st.booleans(),
)
def test_credit_of_a_phrase_in_any_case_equals_the_expressions_alone(
    phrase: str, upper: list[bool], before: str, after: str, top: bool
) -> None:
    recased = "".join(c.upper() if upper[i % 40] else c for i, c in enumerate(phrase))
    line = before + recased + after
    assert text_module._credit_in(line, top) == former_credit(line, top)


def _quoted(text: str) -> list[tuple[str, bool]]:
    _, texts, shares = sentence_table(text)
    assert texts == [s.text for s in split_sentences(text)]
    return [(t, share >= 0.5) for t, share in zip(texts, shares, strict=True)]


def test_a_quotation_is_a_sentence_mostly_inside_double_quotes() -> None:
    text = ('The union said the vote was clear. "We are not striking for ourselves. We are '
            'striking because one nurse cannot watch ten patients," she said.\n'
            "“Paint is not protection, and these lanes will have curbs,” Ortiz said.\n"
            "“Paint is not protection,” Ortiz said at the hearing on Tuesday night.\n"
            'Ortiz called the plan "the single largest investment" the city has made.')
    assert _quoted(text) == [
        ("The union said the vote was clear.", False),
        ('"We are not striking for ourselves.', True),
        ('We are striking because one nurse cannot watch ten patients," she said.', True),
        ("“Paint is not protection, and these lanes will have curbs,” Ortiz said.", True),
        # a short quote in a long sentence of the reporter's own
        ("“Paint is not protection,” Ortiz said at the hearing on Tuesday night.", False),
        ('Ortiz called the plan "the single largest investment" the city has made.', False),
    ]


def test_apostrophes_and_an_open_quotation_at_a_paragraphs_end() -> None:
    # Single quotes are apostrophes too; a quotation that goes on in the next paragraph has
    # no closing mark, and the next paragraph starts closed.
    text = ("It's the nurses' case, the minister's aides said on Monday morning.\n"
            '"We will not move on ratios. We will talk about pay and nothing else\n'
            "The talks resume on Friday at the ministry in the capital.")
    assert [q for _, q in _quoted(text)] == [False, True, True, False]


def test_a_text_without_quotation_marks_has_no_quotation() -> None:
    text = "One sentence here about the plan. Another one follows with more detail."
    assert not any(sentence_table(text)[2])
