"""Publish a release folder to a Hugging Face Hub dataset repo, tagged with its version.

``corpus push STORE/NAME/vX.Y.Z --repo ORG/NAME [--private]`` (a release folder, or the fsspec URL
of a release in a remote store, downloaded first) creates the dataset repo if it is missing,
uploads the release in one commit on ``main`` (deleting files the version no longer has) and tags
that commit ``vX.Y.Z``; users then load it with ``datasets.load_dataset("ORG/NAME",
revision="vX.Y.Z")``.

The Hub is ``HF_ENDPOINT`` (default https://huggingface.co) unless ``--endpoint`` is given; the
token is ``HF_TOKEN`` or the one saved by ``hf auth login`` (there is no option for it, so it
never lands in shell history), and it is never printed. Pushing a version that is already
published does nothing and exits 0; a tag that exists with other content is never moved (exit 1).
Transient network and server failures are retried with backoff (``--retries``); exit 3 when the
push could not be completed, with what was left on the Hub and how to finish, and at once, before
anything is sent, when no token is set.
"""

from __future__ import annotations

import argparse
import logging
import sys

from corpus.publish.hub import PushResult, PushStatus, RetryPolicy, TagConflictError, push

__all__ = ["add_arguments", "report", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``RELEASE``, ``--repo``, ``--private``, ``--endpoint`` and ``--retries``."""
    parser.add_argument(
        "release",
        metavar="RELEASE",
        help="a release written by `corpus build`: STORE/NAME/vX.Y.Z (a folder or a URL)",
    )
    parser.add_argument(
        "--repo", required=True, metavar="ORG/NAME", help="the Hub dataset repo to publish to"
    )
    parser.add_argument(
        "--private",
        action="store_true",
        help="create the repo private (refused if it already exists and is public)",
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        default=None,
        help="the Hub to push to (default: $HF_ENDPOINT, else https://huggingface.co)",
    )
    parser.add_argument(
        "--retries",
        metavar="N",
        type=int,
        default=RetryPolicy().attempts,
        help="tries in all before giving up on transient failures (default: %(default)s)",
    )


def report(result: PushResult) -> str:
    """The lines ``corpus push`` prints for a successful push."""
    where = f"{result.repo_id}@{result.tag} (commit {result.commit[:12]})"
    load = f'  load it with: datasets.load_dataset("{result.repo_id}", revision="{result.tag}")'
    if result.status is PushStatus.ALREADY_PUBLISHED:
        return f"{result.tag} is already published as {where}: nothing to do\n{load}"
    if result.status is PushStatus.TAGGED:
        return (
            f"tagged {where}: main already held this release (an earlier push had uploaded it)"
            f"\n{load}"
        )
    return (
        f"published {where}: {len(result.uploaded)} file(s) uploaded, "
        f"{len(result.deleted)} deleted\n  {result.url}\n{load}"
    )


def run(args: argparse.Namespace) -> int:
    """Push; 0 when the version is on the Hub, 1 when its tag exists with other content."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("corpus push: %(message)s"))
    logger = logging.getLogger("corpus.publish.hub")
    logger.addHandler(handler)
    try:
        result = push(
            args.release,
            args.repo,
            private=args.private,
            endpoint=args.endpoint,
            retry=RetryPolicy(attempts=args.retries),
        )
    except TagConflictError as exc:
        print(f"corpus push: error: {exc}", file=sys.stderr)
        return 1
    finally:
        logger.removeHandler(handler)
    print(report(result))
    return 0
