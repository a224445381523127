"""YAML that remembers the line of every key and item, and a canonical writer."""

from typing import Any

import yaml


class LinedMap(dict):
    """A mapping read from YAML, with the line of the mapping and of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LinedList(list):
    """A sequence read from YAML, with the line of the sequence and of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: Any, line: int):
        super().__init__(f"key '{key}' appears twice in the same mapping")
        self.key = key
        self.line = line


class _LinedLoader(yaml.SafeLoader):
    def construct_lined_mapping(self, node: yaml.MappingNode) -> LinedMap:
        self.flatten_mapping(node)
        mapping = LinedMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in mapping:
                raise DuplicateKeyError(key, line)
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_lined_sequence(self, node: yaml.SequenceNode) -> LinedList:
        sequence = LinedList(self.construct_object(item, deep=True) for item in node.value)
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
        return sequence


_LinedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LinedLoader.construct_lined_mapping
)
_LinedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LinedLoader.construct_lined_sequence
)


def load_lined_yaml(text: str) -> Any:
    """Parse YAML; mappings and sequences come back as LinedMap and LinedList."""
    return yaml.load(text, Loader=_LinedLoader)  # noqa: S506 (a SafeLoader subclass)


def yaml_error_line(error: yaml.YAMLError) -> int:
    """The 1-based line a YAML error points at (1 when it points nowhere)."""
    if isinstance(error, DuplicateKeyError):
        return error.line
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark else 1


def key_lines(item: LinedMap) -> dict[str, int]:
    """The line of a mapping ('') and of each of its keys."""
    return {"": item.line, **item.key_lines}


def shift_lines(data, offset: int) -> None:
    """Move every recorded line by offset (front matter starts on the file's second line)."""
    if isinstance(data, LinedMap):
        data.line += offset
        data.key_lines = {key: line + offset for key, line in data.key_lines.items()}
        for value in data.values():
            shift_lines(value, offset)
    elif isinstance(data, LinedList):
        data.line += offset
        data.item_lines = [line + offset for line in data.item_lines]
        for value in data:
            shift_lines(value, offset)


class FlowList(list):
    """A short list written on one line: [1, 3]."""


# Characters a YAML literal block cannot hold (YAML's non-printable ones and its line breaks
# other than \n); anything else, tabs and spaces at line ends included, can be written as `|`.
_NOT_IN_BLOCKS = {
    chr(code) for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in "\t\n"
} | {"\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff"}


class _CanonicalDumper(yaml.SafeDumper):
    def analyze_scalar(self, scalar: str):
        """As PyYAML's, but text of several lines stays a literal block (`|`) even with
        spaces at line ends or tabs (Markdown's hard line breaks, code), which PyYAML would
        write in double quotes: the exporter writes a prompt back as its author wrote it."""
        analysis = super().analyze_scalar(scalar)
        if "\n" in scalar and not analysis.allow_block and _NOT_IN_BLOCKS.isdisjoint(scalar):
            analysis.allow_block = True
        return analysis


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_flow_list(dumper: yaml.SafeDumper, value: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_CanonicalDumper.add_representer(str, _represent_str)
_CanonicalDumper.add_representer(FlowList, _represent_flow_list)


def dump_canonical_yaml(data: Any) -> str:
    """Write YAML in the one form the exporter uses: key order kept, one line per value."""
    return yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=float("inf"),
    )


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Split '---\\n<yaml>---\\n<body>' into its YAML and its body, kept byte for byte."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            return text[4 : len(text) - 3], ""
        return None
    return text[4 : end + 1], text[end + 5 :]
