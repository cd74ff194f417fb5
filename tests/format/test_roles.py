"""Line-role rules: the seeds, each rule on its own, and the uncertain cases that stay body."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Document, FormatError, Role, parse
from corpus.format.roles import assign_roles, byline_names, is_quote, is_title_case

BODY = "Officials said the talks would continue next week in the capital."
MORE = "Diplomats expect a slow thaw, and few believe it will last the winter."


def _roles(*lines: str) -> list[Role]:
    return assign_roles(list(lines))


def _seed(seeds_dir: Path, name: str) -> Document:
    path = seeds_dir / name
    return parse(path.read_bytes(), str(path))


def _non_body(doc: Document) -> list[tuple[int, Role]]:
    return [(line.number, line.role) for line in doc.lines if line.role is not Role.BODY]


# -- the seeds --------------------------------------------------------------------------------


def test_seed_004_headline_byline_headings_and_bio(seeds_dir: Path) -> None:
    doc = _seed(seeds_dir, "004_e180362b89ccddc6.txt")
    assert _non_body(doc) == [
        (1, Role.HEADLINE), (2, Role.BYLINE), (9, Role.HEADING), (17, Role.HEADING),
        (22, Role.BIO), (23, Role.BIO), (24, Role.BLANK),
    ]
    assert doc.lines[0].text.startswith("Swallowing the Red Pill")
    assert doc.lines[21].text == "About the Author:"


def test_seed_000_trailer_is_boilerplate(seeds_dir: Path) -> None:
    doc = _seed(seeds_dir, "000_dbad2dc0fe77bb11.txt")
    assert _non_body(doc) == [(57, Role.BOILERPLATE), (58, Role.BOILERPLATE)]
    assert doc.lines[-1].text == "Comments"


def test_seed_001_pull_quotes(seeds_dir: Path) -> None:
    doc = _seed(seeds_dir, "001_8b6178791ad9aa8e.txt")
    assert _non_body(doc) == [(n, Role.QUOTE) for n in (5, 8, 11, 13, 15, 17, 19)]


def test_seed_002_headline_standfirst_headings_and_unmarked_comments(seeds_dir: Path) -> None:
    doc = _seed(seeds_dir, "002_ccf4b0b12e1d7c3c.txt")
    assert _non_body(doc) == [
        (1, Role.HEADLINE), (2, Role.STANDFIRST), (15, Role.HEADING), (19, Role.HEADING),
        (22, Role.HEADING), (25, Role.HEADING),
    ]
    # The last two lines are reader comments, but no comments marker precedes them: the spec
    # keeps them as body rather than guess.
    assert [line.role for line in doc.lines[-2:]] == [Role.BODY, Role.BODY]


def test_seed_003_is_all_body(seeds_dir: Path) -> None:
    assert _non_body(_seed(seeds_dir, "003_860389ee531be975.txt")) == []


# -- top of the article -----------------------------------------------------------------------


def test_headline_needs_body_after_it() -> None:
    assert _roles("A Short Title Line") == [Role.BODY]
    assert _roles("A Short Title Line", BODY) == [Role.HEADLINE, Role.BODY]


def test_sentence_first_line_is_not_a_headline() -> None:
    assert _roles(BODY, MORE) == [Role.BODY, Role.BODY]


def test_question_headline_must_be_title_cased() -> None:
    assert _roles("Is This the End of Sanctions?", BODY)[0] is Role.HEADLINE
    assert _roles("is this the end of the long winter?", BODY)[0] is Role.BODY


def test_byline_and_standfirst_in_either_order() -> None:
    roles = _roles("Big Title", "by Jane Doe", "How the deal came about", BODY)
    assert roles == [Role.HEADLINE, Role.BYLINE, Role.STANDFIRST, Role.BODY]
    roles = _roles("Big Title", "How the deal came about", "By Jane Doe and Li Wei", BODY)
    assert roles == [Role.HEADLINE, Role.STANDFIRST, Role.BYLINE, Role.BODY]


def test_only_one_standfirst() -> None:
    roles = _roles("Big Title", "How the deal came about", "What comes next", BODY, MORE)
    assert roles[:3] == [Role.HEADLINE, Role.STANDFIRST, Role.BODY]


def test_byline_without_headline_opens_the_file() -> None:
    assert _roles("By Jane Doe", BODY) == [Role.BYLINE, Role.BODY]


def test_byline_deep_in_the_body_is_body() -> None:
    lines = ["Big Title", BODY, MORE, BODY, MORE, "By Jane Doe", MORE]
    assert _roles(*lines)[5] is Role.BODY


def test_date_line_at_the_top_stays_body_and_does_not_end_the_top() -> None:
    roles = _roles("Big Title", "June 3, 2024", "By Jane Doe", BODY)
    assert roles == [Role.HEADLINE, Role.BODY, Role.BYLINE, Role.BODY]
    assert _roles("Big Title", "Updated 2024-06-03 10:00", BODY)[1] is Role.BODY


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("by Grigory Ioffe", ("Grigory Ioffe",)),
        ("By Jane Doe and Li Wei", ("Jane Doe", "Li Wei")),
        ("BY Jane Doe, Li Wei & Ana de la Cruz", ("Jane Doe", "Li Wei", "Ana de la Cruz")),
        ("Written by Søren Kierkegaard", ("Søren Kierkegaard",)),
        ("By Jose\u0301 Nguyễn", ("Jose\u0301 Nguyễn",)),
        ("By Martin Luther King Jr.", ("Martin Luther King Jr.",)),
        ("By Ольга Иванова", ("Ольга Иванова",)),
    ],
)
def test_byline_names(text: str, names: tuple[str, ...]) -> None:
    assert byline_names(text) == names


@pytest.mark.parametrize(
    "text",
    ["By the way, this is body", "by car or by train", "By June 3, 2024", "Bye Jane",
     "By Jane Doe, who reported from the border for many years and then retired to the coast",
     "by", "By " + "Name " * 40],
)
def test_not_bylines(text: str) -> None:
    assert byline_names(text) == ()


# -- pull quotes and headings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "“We have to move, we have to trade.” – Alexander Lukashenko",
        "“It is hard to imagine,” – Viktor Khrenin",
        "\"Straight quotes work too\" - Jane Doe",
        "«Les négociations continuent» — Émile Zola",
        "„Wir verhandeln“ -- Angela Merkel, former chancellor",
        "“Dream.” – Martin Luther King Jr.",
    ],
)
def test_pull_quotes(text: str) -> None:
    assert is_quote(text)
    assert _roles(BODY, text, MORE)[1] is Role.QUOTE


@pytest.mark.parametrize(
    "text",
    [
        "“We’re done,” he said, and left the room.",
        "“Yes.” – Then he left the room.",
        "He said “yes” – and meant it, for once, in front of everyone.",
        "“Unclosed quote – Jane Doe",
        "“" + "long " * 300 + "” – Jane Doe",
    ],
)
def test_not_pull_quotes(text: str) -> None:
    assert not is_quote(text)


def test_heading_needs_body_before_and_after() -> None:
    lines = [BODY, "What Comes Next", MORE]
    assert _roles(*lines) == [Role.BODY, Role.HEADING, Role.BODY]
    assert _roles(BODY, MORE, "What Comes Next") == [Role.BODY] * 3


def test_two_heading_shaped_lines_in_a_row_err_to_body_for_the_first() -> None:
    roles = _roles(BODY, "Part One", "The Beginning", MORE)
    assert roles == [Role.BODY, Role.BODY, Role.HEADING, Role.BODY]


@pytest.mark.parametrize(
    "text",
    ["and then it rained", "Talks ended.", "What did they want?", "Published 2024-06-03",
     "A list, of things,", "東京で会議が開かれた。", "Es el fin del mundo！",
     " ".join(["Word"] * 17)],
)
def test_not_headings(text: str) -> None:
    assert _roles(BODY, text, MORE)[1] is Role.BODY


def test_title_case() -> None:
    assert is_title_case("Crackdown vs Rapprochement: The Patterns of Normalization")
    assert not is_title_case("Any country that gets in bed with the US had better watch")
    assert not is_title_case("Short")


# -- trailer -----------------------------------------------------------------------------------


def test_bio_runs_from_its_label_to_the_end() -> None:
    roles = _roles(BODY, MORE, "About the Author:", "Jane Doe is a reporter.", "She lives in Riga.")
    assert roles == [Role.BODY, Role.BODY, Role.BIO, Role.BIO, Role.BIO]


def test_inline_bio_label() -> None:
    assert _roles(BODY, "About the author — Jane Doe writes about energy.")[1] is Role.BIO


def test_bio_label_needs_content_before_it() -> None:
    assert _roles("About the Author:", BODY)[0] is Role.BODY


def test_sentence_starting_with_about_the_author_is_body() -> None:
    assert _roles(BODY, "About the authors of the report, little is known.")[1] is Role.BODY


def test_comments_after_a_marker() -> None:
    roles = _roles(BODY, "3 Comments", "Great Article", "By the way, I disagree.",
                   "“Nonsense” – Bob")
    assert roles == [Role.BODY, Role.BOILERPLATE, Role.COMMENT, Role.COMMENT, Role.COMMENT]


def test_comment_lines_without_a_marker_are_body() -> None:
    assert _roles(BODY, "Any country that deals with them had better watch out.") == [
        Role.BODY, Role.BODY]


def test_boilerplate_wins_in_bio_and_comments() -> None:
    roles = _roles(BODY, "About the Author:", "Jane Doe is a reporter.", "© 2025 Example Media",
                   "Comments", "Nice piece.", "Subscribe to our newsletter")
    assert roles == [Role.BODY, Role.BIO, Role.BIO, Role.BOILERPLATE, Role.BOILERPLATE,
                     Role.COMMENT, Role.BOILERPLATE]


@pytest.mark.parametrize(
    "text",
    ["Contact us at news@example.com.", "Advertisement", "Share this article", "Read more:",
     "Copyright 2024 Example Media", "© Example", "All rights reserved.",
     "This story was originally published by Example."],
)
def test_boilerplate_cues(text: str) -> None:
    assert _roles(BODY, text, MORE)[1] is Role.BOILERPLATE


@pytest.mark.parametrize(
    "text",
    ["Copyright law changed in 2020, and publishers had to adapt quickly.",
     "Subscribers were angry.", "Related parties signed the deal.",
     "Contact us " + "at length " * 40 + "."],
)
def test_not_boilerplate(text: str) -> None:
    assert _roles(BODY, text, MORE)[1] is Role.BODY


def test_blank_lines_are_whitespace_only() -> None:
    assert _roles(BODY, "", " \t", "\u3000\u2028", "\u200b") == [
        Role.BODY, Role.BLANK, Role.BLANK, Role.BLANK, Role.BODY]


def test_whitespace_constant_is_exactly_python_isspace() -> None:
    import sys

    from corpus.format.roles import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@pytest.mark.parametrize(
    "text", ["June 3, 2024", "3 June 2024", "Mon, Jun. 3rd 2024", "2024-06-03",
             "Updated 2024-06-03 10:00 UTC", "Published Monday, March 3, 2025"])
def test_date_lines(text: str) -> None:
    from corpus.format.roles import DATE_RE

    assert DATE_RE.match(text)
    assert _roles(BODY, text, MORE)[1] is Role.BODY


def test_worked_example_of_the_spec() -> None:
    """The example of docs/seed-format.md, section 6: keep the two in step."""
    lines = ["Talks Resume in Minsk", "How a quiet visit could thaw relations",
             "By Jane Doe and Li Wei", "", "Officials said the talks would continue next week.",
             "“We have to move, we have to trade.” – Alexander Lukashenko", "What Comes Next",
             "Diplomats expect a slow thaw.", "About the Author:",
             "Jane Doe covers Eastern Europe.", "Comments", "Great piece!"]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode()
    assert len(data) == 333
    doc = parse(data, "corpus/012_00ff00ff00ff00ff.txt")
    assert (doc.seq, doc.id, doc.bom, doc.line_ending) == (12, "00ff00ff00ff00ff", True, "crlf")
    assert [line.role.value for line in doc.lines] == [
        "headline", "standfirst", "byline", "blank", "body", "quote", "heading", "body", "bio",
        "bio", "boilerplate", "comment"]
    bad = data.replace(b"thaw.", b"tha\xe9.")
    with pytest.raises(FormatError) as info:
        parse(bad, "corpus/012_00ff00ff00ff00ff.txt")
    assert (info.value.rule, info.value.line, info.value.offset) == ("invalid-utf8", 8, 255)
