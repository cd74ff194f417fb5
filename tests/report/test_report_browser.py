"""The report in a real headless Chromium: it loads without errors, clusters open and show both
passages highlighted, the search filters, and a screenshot is written for people to look at.

Skipped (with the reason) when chromium, chromedriver or selenium are missing; CI installs them.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from corpus.report import REPORT, data_dir, write_report

from .browser import Browser
from .pages import scripts

ORIGINAL, REWRITE, COPIED = "860389ee531be975", "ccf4b0b12e1d7c3c", "e180362b89ccddc6"


def _by(css: str) -> tuple[str, str]:
    return ("css selector", css)


def _open(browser: Browser, page: Path) -> list[str]:
    """Open ``page`` and return what is wrong with it: console errors, no ready mark, no rows."""
    browser.driver.get(page.as_uri())
    problems = browser.errors()
    ready = browser.driver.find_element("tag name", "body").get_attribute("data-ready")
    if ready != "true":
        problems.append("the page script did not finish (no data-ready on <body>)")
    if not browser.driver.find_elements(*_by("#clusters tbody tr")):
        problems.append("the cluster table is empty")
    return problems


def _rows(browser: Browser) -> list[str]:
    """The ids of the listed clusters, read in one script call (the list may be re-rendering)."""
    ids: list[str] = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('#clusters tbody tr.cluster'),"
        " row => row.getAttribute('data-cluster'));")
    return ids


def _expand(browser: Browser, cluster_id: str) -> object:
    browser.driver.find_element(*_by(f'tr.cluster[data-cluster="{cluster_id}"]')).click()
    return browser.wait(lambda d: d.find_elements(
        *_by(f'tr.details[data-cluster="{cluster_id}"] .comparison')))


@pytest.fixture(scope="module")
def page(mixed_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(mixed_release, tmp_path_factory.mktemp("page") / REPORT).path


def test_the_page_loads_without_console_errors(browser: Browser, page: Path) -> None:
    assert _open(browser, page) == []
    assert sorted(_rows(browser)) == sorted([ORIGINAL, COPIED])
    assert browser.driver.find_element(*_by("#cluster-status")).text == "2 of 2 cluster(s)"
    rejects = browser.driver.find_elements(*_by("#rejects tbody tr.reject"))
    assert [r.find_elements("tag name", "td")[0].text for r in rejects] == [
        "006_00000000000000bb.txt"]
    assert len(browser.driver.find_elements(*_by("#histogram rect.bar"))) >= 2


def test_a_broken_script_is_noticed(browser: Browser, page: Path, tmp_path: Path) -> None:
    # The check above must be able to fail: the same page with a script error fails it.
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text(encoding="utf-8").replace(
        '"use strict";', '"use strict"; undefinedFunction();', 1), encoding="utf-8")
    problems = _open(browser, broken)
    assert any("undefinedFunction" in p for p in problems)
    assert "the cluster table is empty" in problems


def test_a_cluster_opens_on_click_and_shows_both_passages_highlighted(
    browser: Browser, page: Path
) -> None:
    assert _open(browser, page) == []
    _expand(browser, ORIGINAL)
    details = browser.driver.find_element(*_by(f'tr.details[data-cluster="{ORIGINAL}"]'))
    assert "credits another outlet" in details.find_element(*_by(".kept")).text
    comparison = details.find_element(*_by(f'.comparison[data-member="{REWRITE}"]'))
    assert "A Diplomatic Thaw in Belarus" in comparison.find_element(*_by(".side.right")).text
    assert ORIGINAL in comparison.find_element(*_by(".side.left")).text

    expected = scripts(page)["chunk-0"][ORIGINAL]["m"][0][6]
    pairs = comparison.find_elements(*_by(".pair"))
    assert len(pairs) == len(expected) == 5
    for i, (pair, passage) in enumerate(zip(pairs, expected, strict=True)):
        assert f"pair-{i % 6}" in (pair.get_attribute("class") or "")
        left = pair.find_element(*_by(".passage.left"))
        right = pair.find_element(*_by(".passage.right"))
        assert passage[2] in left.text
        assert passage[5] in right.text
        # Words both passages share are marked on both sides.
        assert left.find_elements("tag name", "mark")
        assert right.find_elements("tag name", "mark")
        assert pair.find_element(*_by(".score b")).text == f"{passage[6]:.2f}"
    assert browser.errors() == []

    # The cluster's row gives its weakest link: the rewrite's verified link, 3 decimals.
    row = browser.driver.find_element(*_by(f'tr.cluster[data-cluster="{ORIGINAL}"]'))
    weakest = scripts(page)["report-index"]["clusters"]
    stored = next(c[3] for c in weakest if c[0] == ORIGINAL)
    assert row.find_elements("tag name", "td")[-1].text == f"{stored:.3f}"
    heads = [h.text for h in browser.driver.find_elements(*_by("#clusters th"))]
    assert heads[-1] == "weakest link"

    # A second click closes it again.
    browser.driver.find_element(*_by(f'tr.cluster[data-cluster="{ORIGINAL}"]')).click()
    assert not browser.driver.find_elements(*_by("tr.details"))


def test_an_exact_copy_shows_the_same_passage_on_both_sides(
    browser: Browser, page: Path
) -> None:
    assert _open(browser, page) == []
    _expand(browser, COPIED)
    details = browser.driver.find_element(*_by(f'tr.details[data-cluster="{COPIED}"]'))
    assert "005_00000000000000aa.txt" in details.find_element(*_by(".side.right")).text
    pairs = details.find_elements(*_by(".pair"))
    assert pairs
    for pair in pairs:
        left, right = (pair.find_element(*_by(f".passage.{side}")).text
                       for side in ("left", "right"))
        assert left.split("\n", 1)[1] == right.split("\n", 1)[1]  # after "¶N sentence M"
        assert pair.find_element(*_by(".score b")).text == "1.00"


def test_search_and_filters_narrow_the_lists(browser: Browser, page: Path) -> None:
    assert _open(browser, page) == []
    search = browser.driver.find_element(*_by("#search"))
    search.send_keys(REWRITE[:8])  # a member's id finds its cluster
    browser.wait(lambda d: _rows(browser) == [ORIGINAL])
    assert browser.driver.find_element(*_by("#cluster-status")).text == "1 of 2 cluster(s)"
    assert browser.driver.find_element(*_by("#reject-status")).text == "0 of 1 reject(s)"

    search.clear()
    search.send_keys("diplomatic thaw")  # by title, any case
    browser.wait(lambda d: _rows(browser) == [ORIGINAL])

    search.clear()
    search.send_keys("006_")  # a reject's file
    browser.wait(lambda d: _rows(browser) == [])
    assert "No cluster matches." in browser.driver.find_element(*_by("#clusters")).text
    assert browser.driver.find_element(*_by("#reject-status")).text == "1 of 1 reject(s)"

    search.send_keys("\b" * 4)
    browser.wait(lambda d: len(_rows(browser)) == 2)
    browser.driver.find_element(*_by('#relation option[value="exact"]')).click()
    browser.wait(lambda d: _rows(browser) == [COPIED])
    browser.driver.find_element(*_by('#relation option[value="rewrite"]')).click()
    browser.wait(lambda d: _rows(browser) == [ORIGINAL])
    browser.driver.find_element(*_by('#relation option[value=""]')).click()
    browser.driver.find_element(*_by('#language option[value="en"]')).click()
    browser.wait(lambda d: len(_rows(browser)) == 2)
    assert browser.errors() == []


def test_details_in_files_next_to_the_page_load_on_click(
    browser: Browser, mixed_release: Path, tmp_path: Path
) -> None:
    summary = write_report(mixed_release, tmp_path / REPORT, inline_limit=0, chunk_bytes=1)
    assert summary.details is not None
    assert _open(browser, summary.path) == []
    _expand(browser, ORIGINAL)
    # The passages keep their curly quotes: the files are read as UTF-8.
    chunk = {c[0]: c[1] for c in scripts(summary.path)["report-index"]["clusters"]}[ORIGINAL]
    chunk_text = (summary.details / f"clusters-{chunk:05d}.js").read_text(encoding="utf-8")
    shown = browser.driver.find_element(*_by(f'tr.details[data-cluster="{ORIGINAL}"]')).text
    assert "Lukashenko’s" in shown
    assert "Lukashenko’s" in chunk_text
    assert browser.errors() == []


def test_missing_details_files_say_where_they_should_be(
    browser: Browser, mixed_release: Path, tmp_path: Path
) -> None:
    page = write_report(mixed_release, tmp_path / REPORT, inline_limit=0).path
    for chunk in data_dir(page).iterdir():
        chunk.unlink()
    assert _open(browser, page) == []
    browser.driver.find_element(*_by(f'tr.cluster[data-cluster="{ORIGINAL}"]')).click()
    error = browser.wait(lambda d: d.find_elements(*_by("tr.details .error")))
    assert "keep the folder report_files/ next to this page" in error[0].text


def test_a_screenshot_for_people_to_look_at(
    browser: Browser, seeds_release: Path, tmp_path: Path
) -> None:
    page = write_report(seeds_release, tmp_path / REPORT).path
    assert _open(browser, page) == []
    _expand(browser, ORIGINAL)
    height = browser.driver.execute_script("return document.body.scrollHeight")
    browser.driver.set_window_size(1300, min(int(height) + 120, 4000))
    browser.driver.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "report.png"
    assert browser.driver.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, tall = struct.unpack(">II", data[16:24])
    assert width >= 1000
    assert tall >= 1000
    assert len(data) > 50_000  # a blank or nearly blank page compresses to a few KB
    browser.driver.set_window_size(1300, 1000)


def test_a_cluster_opens_from_the_keyboard(browser: Browser, page: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    assert _open(browser, page) == []
    row = browser.driver.find_element(*_by(f'tr.cluster[data-cluster="{COPIED}"]'))
    row.send_keys(Keys.ENTER)
    browser.wait(lambda d: d.find_elements(*_by(f'tr.details[data-cluster="{COPIED}"] .pair')))
    assert row.get_attribute("aria-expanded") == "true"


def test_a_release_without_clusters_or_rejects_says_so(
    browser: Browser, tmp_path: Path, seeds_dir: Path
) -> None:
    from corpus.publish.builder import build

    corpus_dir = tmp_path / "one"
    corpus_dir.mkdir()
    (corpus_dir / "004_e180362b89ccddc6.txt").write_bytes(
        (seeds_dir / "004_e180362b89ccddc6.txt").read_bytes())
    release = build(corpus_dir, tmp_path / "store", progress=False).path
    assert _open(browser, release / REPORT) == []
    assert _rows(browser) == []
    assert "No duplicate clusters in this release." in browser.driver.find_element(
        *_by("#clusters")).text
    assert "No file was rejected." in browser.driver.find_element(*_by("#rejects")).text
    assert browser.driver.find_element(*_by("#cluster-status")).text == "0 of 0 cluster(s)"
