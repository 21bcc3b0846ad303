"""Which reader handles a file, decided by its name; and the programming language of code files."""

from __future__ import annotations

from enum import Enum
from pathlib import Path


class Format(str, Enum):
    """How a file's content is read (internal)."""

    JSONL = "jsonl"
    JSON = "json"
    TABLE = "table"
    HTML = "html"
    CODE = "code"
    TEXT = "text"


CODE_LANGUAGES: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyx": "cython",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript",
    ".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".groovy": "groovy",
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp",
    ".cu": "cuda", ".cs": "csharp", ".go": "go", ".rs": "rust", ".swift": "swift", ".dart": "dart",
    ".rb": "ruby", ".php": "php", ".pl": "perl", ".pm": "perl", ".lua": "lua", ".r": "r", ".jl": "julia",
    ".hs": "haskell", ".ml": "ocaml", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang",
    ".clj": "clojure", ".fs": "fsharp", ".zig": "zig", ".nim": "nim", ".v": "verilog", ".vhd": "vhdl",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".fish": "fish", ".ps1": "powershell",
    ".bat": "batch", ".sql": "sql", ".css": "css", ".scss": "scss", ".less": "less", ".vue": "vue",
    ".svelte": "svelte", ".proto": "protobuf", ".graphql": "graphql", ".tf": "terraform",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".cfg": "ini", ".xml": "xml",
    ".cmake": "cmake", ".gradle": "groovy", ".asm": "assembly", ".s": "assembly",
}  # fmt: skip
CODE_FILENAMES: dict[str, str] = {
    "makefile": "make", "gnumakefile": "make", "dockerfile": "dockerfile", "containerfile": "dockerfile",
    "cmakelists.txt": "cmake", "justfile": "just", "rakefile": "ruby", "gemfile": "ruby",
}  # fmt: skip
TABLE_DELIMITERS: dict[str, str] = {".csv": ",", ".tsv": "\t"}
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def file_format(path: Path) -> tuple[Format, str | None]:
    """The reader for ``path`` and, for code, its language. Anything unrecognised is read as plain text
    (after the binary and UTF-8 checks), so a ``.txt``, ``.md`` or extension-less file is prose."""
    name = path.name.lower()
    suffix = path.suffix.lower()
    if name in CODE_FILENAMES:
        return Format.CODE, CODE_FILENAMES[name]
    if suffix in JSONL_SUFFIXES:
        return Format.JSONL, None
    if suffix == ".json":
        return Format.JSON, None
    if suffix in TABLE_DELIMITERS:
        return Format.TABLE, None
    if suffix in HTML_SUFFIXES:
        return Format.HTML, None
    if suffix in CODE_LANGUAGES:
        return Format.CODE, CODE_LANGUAGES[suffix]
    return Format.TEXT, None
