"""The seed file format: name grammar, line roles, parsing and rendering."""

from corpus.format.parser import FORMAT_VERSION, parse, parse_name, render

__all__ = ["FORMAT_VERSION", "parse", "parse_name", "render"]
