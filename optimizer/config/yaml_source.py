"""Safe YAML loading that remembers where every key came from.

``load_yaml`` returns the plain data and a :class:`SourceMap` from key paths such as
``("targets", "compute_h100e", 2028)`` to ``(file, line)``, so that every later error can name
the file and line of the key it is about.

Config files are written by hand and may also be hostile, so reading is guarded; each refusal is
a :class:`Problem` naming the file and line, never a traceback:

- only regular files of at most :data:`MAX_FILE_BYTES` are read (a folder, ``/dev/zero`` or a
  pipe is refused before reading, and no more than the limit plus one byte is ever read);
- the text is UTF-8 (a byte-order mark is allowed; UTF-16 with a byte-order mark is read too)
  without control characters such as NUL;
- collections nest at most :data:`MAX_DEPTH` levels, checked while composing and so before
  PyYAML's own recursion could exhaust the stack;
- at most :data:`MAX_ALIASES` aliases, and at most :data:`MAX_VALUES` values once every alias
  is expanded (a "billion laughs" file is refused without expanding it), and no value that
  contains itself;
- the safe loader is used and no explicit tag is allowed except the plain core ones
  (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``, ``!!seq``);
- duplicate keys in one mapping are an error (YAML itself would silently keep the last one),
  and so are keys that read as the same number, such as ``2027:`` and ``'2027':`` (the schema
  reads year keys as numbers, so one would silently replace the other).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from optimizer.errors import Problem, display_path

KeyPath = tuple[Any, ...]

MAX_FILE_BYTES = 1_000_000     # a config or constraint file is a few kilobytes
MAX_DEPTH = 64                 # nesting levels of mappings and lists
MAX_ALIASES = 1_000            # uses of '*name' in one file
MAX_VALUES = 50_000            # keys, values and items, every alias counted as a full copy
MAX_INT_BITS = 100             # whole numbers up to about 1e30
MAX_CHARACTER_PROBLEMS = 10    # control characters reported per file (the first on each line)

CORE = "tag:yaml.org,2002:"
PLAIN_TAGS = (CORE + "map", CORE + "seq")
SCALAR_TAGS = tuple(CORE + t for t in ("str", "int", "float", "bool", "null"))
TAG_HINT = "tags such as !!python/... or !!binary are not allowed; write plain values"
# the characters YAML allows in a stream (PyYAML refuses the others with a bare ReaderError)
NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                 0x1B: "ESC", 0x7F: "DEL"}
INT_TEXT = re.compile(r"[+-]?[0-9]{1,30}(?:_[0-9]+)*(?:\.0*)?")
REFUSED = object()   # a value that was refused: left out of its mapping


@dataclass
class SourceMap:
    """Where each key path of a config was written: ``path -> (file, line)``."""

    where: dict[KeyPath, tuple[str, int | None]] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> tuple[str | None, int | None]:
        """File and line of ``path``, or of its nearest written ancestor."""
        for n in range(len(path), -1, -1):
            hit = self.where.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return None, None

    def file_of(self, path: KeyPath) -> str | None:
        return self.locate(path)[0]

    def drop_under(self, path: KeyPath) -> None:
        """Forget every entry at or below ``path`` (the value there is being replaced)."""
        n = len(path)
        for key in [k for k in self.where if k[:n] == tuple(path)]:
            del self.where[key]

    def update(self, other: "SourceMap", prefix: KeyPath = ()) -> None:
        for key, loc in other.where.items():
            self.where[tuple(prefix) + key] = loc


class Refused(Exception):
    """A file broke one of the reading limits; carries the line and the text of the problem."""

    def __init__(self, line: int | None, message: str, hint: str):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


# ---- reading the file ---------------------------------------------------------------------------

def load_yaml(path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    """Read ``path``; return (data, source map, problems). Data is None when unreadable."""
    shown = display_path(path)
    try:
        text = read_text(path)
    except Refused as exc:
        return None, SourceMap(), [Problem(shown, exc.line, "", exc.message, exc.hint)]
    return parse_yaml(text, shown)


def read_text(path: Path) -> str:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES`; :class:`Refused` otherwise."""
    try:
        if not path.exists():
            raise Refused(None, "file not found",
                          "check the path; relative paths are relative to the file that names them")
        if path.is_dir():
            raise Refused(None, "is a folder, not a file", "name a YAML file")
        if not path.is_file():
            raise Refused(None, "is not a regular file (a device, pipe or socket)", "name a YAML file")
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)   # never more: a huge file cannot hang the run
    except OSError as exc:
        raise Refused(None, f"cannot read file: {exc.strerror or exc}", "check the file's permissions") from None
    if len(raw) > MAX_FILE_BYTES:
        raise Refused(None, f"is larger than {MAX_FILE_BYTES:,} bytes, the limit for a config or constraint file",
                      "check that the path names the right file; a config is a few kilobytes "
                      "and data belongs in the tables under 'data:'")
    return decode(raw)


def decode(raw: bytes) -> str:
    """Bytes as text: UTF-8 (an optional byte-order mark dropped), or UTF-16 with its byte-order mark."""
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding, name = ("utf-16", "UTF-16") if utf16 else ("utf-8-sig", "UTF-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode(encoding, errors="replace")
        line = before.count("\n") + 1
        column = len(before) - before.rfind("\n")
        raise Refused(line, f"is not {name} text: byte 0x{raw[exc.start]:02X} at column {column} cannot be read",
                      "save the file as UTF-8 text; most editors offer it under Save as") from None


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, name) of the first character YAML does not allow on each line, a few lines at most."""
    found: list[tuple[int, int, str]] = []
    line, pos = 1, 0
    while len(found) < MAX_CHARACTER_PROBLEMS:
        match = NOT_PRINTABLE.search(text, pos)
        if match is None:
            break
        start = match.start()
        line += text.count("\n", pos, start)
        code = ord(match.group())
        name = f"U+{code:04X}" + (f" ({CONTROL_NAMES[code]})" if code in CONTROL_NAMES else "")
        found.append((line, start - text.rfind("\n", 0, start), name))
        end = text.find("\n", start)   # the next problem is looked for on a later line
        if end < 0:
            break
        line, pos = line + 1, end + 1
    return found


# ---- parsing ------------------------------------------------------------------------------------

class GuardedLoader(yaml.SafeLoader):
    """The safe loader with limits enforced while composing, before anything can recurse deeply
    or grow large: nesting depth, alias count, values written. It remembers which nodes carried
    an explicit tag."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.aliases = 0
        self.nodes = 0
        self.tagged: set[int] = set()   # ids of nodes whose tag was written in the file

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise Refused(line, f"uses more than {MAX_ALIASES:,} aliases (*name)",
                              "write the values out, or split the file; aliases are meant for a few repeated values")
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_VALUES:
            raise Refused(line, f"holds more than {MAX_VALUES:,} values",
                          "check that the path names the right file; a config holds a few hundred values")
        nests = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if nests and self.depth >= MAX_DEPTH:
            raise Refused(line, f"nests mappings and lists more than {MAX_DEPTH} levels deep",
                          "a config needs a few levels; check for unclosed brackets or runaway indentation")
        self.depth += nests
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= nests
        if event.tag not in (None, "!"):
            self.tagged.add(id(node))
        return node


def parse_yaml(text: str, shown: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse YAML ``text`` (named ``shown`` in messages) into data and a source map."""
    bad = control_characters(text)
    if bad:
        return None, SourceMap(), [
            Problem(shown, line, "", f"control character {name} at column {column} is not allowed in YAML",
                    "delete it; a file full of them may be UTF-16 without a byte-order mark, or not text at all: "
                    "save it as UTF-8 text")
            for line, column, name in bad]
    smap = SourceMap()
    problems: list[Problem] = []
    try:
        data = _parse(text, shown, smap, problems)
    except Refused as exc:
        return None, smap, [Problem(shown, exc.line, "", exc.message, exc.hint)]
    except yaml.MarkedYAMLError as exc:
        return None, smap, [_syntax_problem(exc, shown)]
    except yaml.YAMLError as exc:
        return None, smap, [Problem(shown, None, "", f"YAML error: {exc}", "check the file's syntax")]
    except RecursionError:   # a last resort: the limits above should make this unreachable
        return None, smap, [Problem(shown, None, "", "nested too deeply to read",
                                    f"keep nesting below {MAX_DEPTH} levels and aliases few")]
    smap.where.setdefault((), (shown, 1))
    return (None if data is REFUSED else data), smap, problems


def parse_value(text: str, shown: str) -> tuple[Any, list[Problem]]:
    """A value typed like YAML (``60`` -> 60, ``[a, b]`` -> a list), for ``--set`` overrides.

    Text that is not valid YAML is kept as text; the limits and tag rules still apply."""
    if len(text) > MAX_FILE_BYTES or control_characters(text):
        return None, [Problem(shown, None, "", "the value is too long or holds control characters",
                              "write a short plain value")]
    problems: list[Problem] = []
    try:
        data = _parse(text, shown, SourceMap(), problems)
    except Refused as exc:
        return None, [Problem(shown, None, "", exc.message, exc.hint)]
    except (yaml.YAMLError, RecursionError):
        return text, []
    return (None if data is REFUSED else data), problems


def _parse(text: str, shown: str, smap: SourceMap, problems: list[Problem]) -> Any:
    """Compose the single document of ``text`` under the limits and build plain data from it."""
    loader = GuardedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        measure_expansion(node)
        return _build(loader, node, (), smap, shown, problems)
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    col = f", column {mark.column + 1}" if mark else ""
    what = exc.problem or exc.context or "invalid YAML"
    hint = "check indentation, colons and quotes near this line"
    if "tag" in str(what) or isinstance(exc, yaml.constructor.ConstructorError):
        hint = TAG_HINT
    return Problem(shown, line, "", f"YAML syntax error{col}: {what}", hint)


def measure_expansion(root: yaml.Node) -> None:
    """Refuse a document that, with every alias expanded, nests deeper than :data:`MAX_DEPTH`,
    holds more than :data:`MAX_VALUES` values or contains itself; without expanding it (the
    size of each node is computed once however often aliases repeat it)."""
    sizes: dict[int, tuple[int, int]] = {}   # id(node) -> (values, levels)
    open_nodes: set[int] = set()

    def measure(node: yaml.Node, above: int) -> tuple[int, int]:
        line = node.start_mark.line + 1
        key = id(node)
        if key in open_nodes:
            raise Refused(line, "an alias is used inside the value its anchor names, so the value contains itself",
                          "use the alias only after the anchored value ends")
        if key not in sizes:
            sizes[key] = _measure_children(node, above, line, measure, open_nodes)
        values, levels = sizes[key]
        if above + levels > MAX_DEPTH:
            raise Refused(line, f"nests more than {MAX_DEPTH} levels deep once its aliases are expanded",
                          "use fewer aliases inside aliased values")
        return values, levels

    measure(root, 0)


def _measure_children(node: yaml.Node, above: int, line: int, measure, open_nodes: set[int]) -> tuple[int, int]:
    """(values, levels) of one node, measuring its children; see :func:`measure_expansion`."""
    if isinstance(node, yaml.ScalarNode):
        return 1, 0
    if above >= MAX_DEPTH:
        raise Refused(line, f"nests more than {MAX_DEPTH} levels deep once its aliases are expanded",
                      "use fewer aliases inside aliased values")
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    open_nodes.add(id(node))
    values, levels = 1, 0
    for child in children:
        n, h = measure(child, above + 1)
        values, levels = values + n, max(levels, h)
        if values > MAX_VALUES:
            raise Refused(line, f"holds more than {MAX_VALUES:,} values once its aliases are expanded "
                                "(each use of an alias counts as a full copy)",
                          "write the values out or use fewer aliases; a config holds a few hundred values")
    open_nodes.discard(id(node))
    return values, levels + 1


# ---- building plain data -------------------------------------------------------------------------

def _build(loader: GuardedLoader, node: yaml.Node, path: KeyPath, smap: SourceMap, shown: str,
           problems: list[Problem]) -> Any:
    """Turn a composed YAML node into plain data, recording each key's line; :data:`REFUSED`
    for a value that is refused (the problem is added)."""
    tag_problem = _tag_problem(loader, node)
    if tag_problem:
        problems.append(Problem(shown, node.start_mark.line + 1, dotted(path), tag_problem, TAG_HINT))
        return REFUSED
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(loader, node, path, smap, shown, problems)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            smap.where[path + (i,)] = (shown, item.start_mark.line + 1)
            value = _build(loader, item, path + (i,), smap, shown, problems)
            items.append(None if value is REFUSED else value)
        return items
    return _scalar(loader, node, path, shown, problems)


def _build_mapping(loader: GuardedLoader, node: yaml.MappingNode, path: KeyPath, smap: SourceMap, shown: str,
                   problems: list[Problem]) -> dict:
    """A mapping as a dict; duplicate keys (also keys that read as the same number) are problems."""
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    first_seen: dict[Any, tuple[Any, int]] = {}   # key as read -> (key as written, line)
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = _key(loader, key_node, path, shown, problems)
        if key is REFUSED:
            continue
        if not isinstance(key, (str, int, float, bool)):
            problems.append(Problem(shown, line, dotted(path), "keys must be plain words or numbers",
                                    "write the key as text"))
            continue
        same = read_as(key)
        if same in first_seen:
            problems.append(_duplicate(shown, line, path, key, *first_seen[same]))
            continue
        first_seen[same] = (key, line)
        smap.where[path + (key,)] = (shown, line)
        value = _build(loader, value_node, path + (key,), smap, shown, problems)
        if value is not REFUSED:
            out[key] = value
    return out


def _key(loader: GuardedLoader, node: yaml.Node, path: KeyPath, shown: str, problems: list[Problem]) -> Any:
    """A mapping key's value (None for a mapping or list used as a key), or :data:`REFUSED`."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    tag_problem = _tag_problem(loader, node)
    if tag_problem:
        problems.append(Problem(shown, node.start_mark.line + 1, dotted(path), tag_problem, TAG_HINT))
        return REFUSED
    return _scalar(loader, node, path, shown, problems)


def _duplicate(shown: str, line: int, path: KeyPath, key: Any, first: Any, first_line: int) -> Problem:
    if type(key) is type(first) and key == first:
        return Problem(shown, line, dotted(path + (key,)), f"duplicate key (first written on line {first_line})",
                       "keep one of the two entries")
    return Problem(shown, line, dotted(path + (key,)),
                   f"duplicate key: {key!r} and {first!r} (line {first_line}) are read as the same key",
                   "keep one of the two entries; a quoted number is the same key as the number")


def read_as(key: Any) -> Any:
    """The key a schema with number keys reads ``key`` as: ``'2027'``, ``' 2027 '``, ``2027.0``
    and ``2027`` are all 2027 (pydantic coerces them alike)."""
    if isinstance(key, str) and INT_TEXT.fullmatch(key.strip()):
        return int(key.strip().split(".")[0])
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return key


def _tag_problem(loader: GuardedLoader, node: yaml.Node) -> str:
    """Why the node's tag is refused, or '' when it is a plain one."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        allowed = node.tag in PLAIN_TAGS
    else:
        allowed = id(node) not in loader.tagged or node.tag in SCALAR_TAGS
    return "" if allowed else f"YAML tag '{short_tag(node.tag)}' is not allowed"


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:binary`` -> ``!!binary``."""
    return "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag


def _scalar(loader: GuardedLoader, node: yaml.ScalarNode, path: KeyPath, shown: str, problems: list[Problem]) -> Any:
    """A scalar's value, or :data:`REFUSED` with a problem when it cannot be read as its tag says."""
    try:
        value = loader.construct_object(node, deep=True)
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise ValueError("too many digits")
        return value
    except (yaml.YAMLError, ValueError, TypeError, KeyError, OverflowError):
        text = node.value if len(node.value) <= 40 else node.value[:40] + "..."
        problems.append(Problem(shown, node.start_mark.line + 1, dotted(path),
                                f"cannot read {text!r} as {short_tag(node.tag)}",
                                "write a plain number or text; a number has at most a few dozen digits"))
        return REFUSED


def dotted(path: KeyPath) -> str:
    """``("constraints", 2, "max_mw")`` -> ``constraints[2].max_mw``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
