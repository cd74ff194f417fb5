"""BuildConfig: checked at construction, with messages that name the value and the fix."""

from __future__ import annotations

import dataclasses
import json

import pytest

from corpus.dedup import DedupConfig
from corpus.errors import ConfigError
from corpus.publish.config import BuildConfig, settings_hash
from corpus.text.normalize import NormalizeConfig


def test_defaults() -> None:
    settings = BuildConfig().settings()
    assert {k: v for k, v in settings.items() if k not in ("normalize", "dedup")} == {
        "license": "unknown",
        "license_name": "",
        "license_link": "",
        "pretty_name": "",
        "strict": False,
        "shard_documents": 10_000,
        "row_group_rows": 10_000,
        "row_group_bytes": 64 << 20,
        "shard_bytes": 500 << 20,
    }
    # The stage configurations are recorded setting by setting.
    assert settings["normalize"] == dataclasses.asdict(NormalizeConfig())
    assert settings["dedup"]["keep"] == DedupConfig().keep
    assert json.loads(json.dumps(settings)) == settings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"license": "CC BY"}, r"license='CC BY' is not a Hub license id.*'cc-by-4\.0'"),
        ({"license": "cc-by-40"}, r"license='cc-by-40' is not a Hub license id: did you mean "
                                  r"'cc-by-4\.0'"),
        ({"license": "MIT"}, r"license='MIT' is not a Hub license id: did you mean 'mit'"),
        ({"license": "other"}, r"license='other' needs license_name.*got ''"),
        ({"license": "other", "license_name": "Agency Terms", "license_link": "LICENSE.md"},
         r"license='other' needs license_name, a lower-case id.*got 'Agency Terms'"),
        ({"license": "other", "license_name": "agency-terms"},
         r"license='other' needs license_link.*http\(s\) URL or a file.*got ''"),
        ({"license": "other", "license_name": "agency-terms", "license_link": "see our site"},
         r"needs license_link.*got 'see our site'"),
        ({"license": "mit", "license_name": "agency-terms"},
         r"license_name='agency-terms' is only for license='other', and license is 'mit'"),
        ({"license": "mit", "license_link": "LICENSE.md"},
         r"license_link='LICENSE.md' is only for license='other'"),
        ({"license": 3}, r"license=3 is not a Hub license id"),
        ({"license": ""}, r"license='' is not a Hub license id"),
        ({"pretty_name": "two\nlines"}, r"pretty_name='two\\nlines' must be a one-line string"),
        ({"shard_documents": 0}, r"shard_documents=0 must be an integer >= 1.*10000"),
        ({"row_group_rows": 0}, r"row_group_rows=0 must be an integer >= 1"),
        ({"row_group_bytes": -5}, r"row_group_bytes=-5 must be an integer >= 1.*67108864"),
        ({"shard_bytes": 1.5}, r"shard_bytes=1\.5 must be an integer >= 1"),
        ({"shard_bytes": True}, r"shard_bytes=True must be an integer"),
        ({"normalize": {"unicode_form": "NFC"}}, r"BuildConfig.normalize=.* is not a Normal"),
        ({"dedup": None}, r"BuildConfig.dedup=None is not a DedupConfig"),
    ],
)
def test_bad_values_are_refused_with_a_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BuildConfig(**kwargs)  # type: ignore[arg-type]


def test_settings_hash_depends_on_every_setting_and_not_on_key_order() -> None:
    base = BuildConfig().settings()
    assert settings_hash(base) == settings_hash(dict(reversed(list(base.items()))))
    assert settings_hash(base) != settings_hash(BuildConfig(license="mit").settings())
    assert settings_hash(base) != settings_hash(BuildConfig(shard_bytes=1).settings())
    nfkc = BuildConfig(normalize=NormalizeConfig(unicode_form="NFKC"))
    assert settings_hash(base) != settings_hash(nfkc.settings())


@pytest.mark.parametrize("link", ["https://example.org/terms", "LICENSE.md", "docs/terms.txt"])
def test_other_license_with_a_name_and_a_link_is_accepted(link: str) -> None:
    config = BuildConfig(license="other", license_name="agency-terms", license_link=link)
    assert config.settings()["license_link"] == link


def test_every_hub_license_id_is_accepted_and_unknown_is_the_default() -> None:
    from corpus.publish.config import HUB_LICENSES

    for license_id in sorted(HUB_LICENSES - {"other"}):
        assert BuildConfig(license=license_id).license == license_id
    assert BuildConfig().license == "unknown"
