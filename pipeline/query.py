"""The search syntax, parsed once into a small tree that every store translates.

``newsmon search``, alert rules and the web page all accept the same strings:

    營商環境 漢陽            both terms (implicit AND)
    "優化 營商環境"          a phrase
    營商 OR 審批             either
    營商 NOT 招商, 營商 -招商  exclusion
    (印發 OR 出台) AND 方案   grouping
    source:cjrb  tag:營商環境  field filters
    title:營商環境, title:"優化 營商環境"   a term or phrase in the headline only

Parsing is shared so that a rule that matches on SQLite matches the same on Elasticsearch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import UserError

FIELDS = ("source", "tag", "story")


class QueryError(UserError):
    """A query string that cannot be parsed (unbalanced quotes or parentheses, …)."""


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    #: ``title:…``: only the headline counts (editors judge a story by it)
    title_only: bool = False


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


Node = Term | Field | And | Or | Not

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>[(（])
  | (?P<rparen>[)）])
  | (?P<minus>-(?=[^\s)）]))
  | (?P<field>(?:source|tag|story|title):(?:"[^"]*"|“[^”]*”|[^\s()（）"“]*))
  | (?P<quote>"[^"]*"|“[^”]*”)
  | (?P<badquote>["“”])
  | (?P<word>[^\s()（）"“”]+)
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # every character is covered by some alternative
        kind = m.lastgroup
        value = m.group()
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "badquote":
            raise QueryError(f"unbalanced quote in query: {text!r}")
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        if self.pos < len(self.tokens):
            kind, value = self.tokens[self.pos]
            if kind == "rparen":
                raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
            raise QueryError(f"unexpected {value!r} in query: {self.text!r}")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.peek() not in (None, "or", "rparen"):
            if self.peek() == "and":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        kind = self.peek()
        if kind in ("not", "minus"):
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        if self.peek() is None:
            raise QueryError(f"query ends where a term was expected: {self.text!r}")
        kind, value = self.take()
        if kind == "lparen":
            node = self.or_expr()
            if self.peek() != "rparen":
                raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
            self.take()
            return node
        if kind == "rparen":
            raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
        if kind in ("and", "or"):
            raise QueryError(f"{value} needs a term on each side: {self.text!r}")
        if kind == "quote":
            inner = value[1:-1].strip()
            if not inner:
                raise QueryError(f"empty phrase in query: {self.text!r}")
            return Term(inner, phrase=True)
        if kind == "field":
            name, _, val = value.partition(":")
            quoted = val[:1] in ('"', "“")
            if quoted:
                val = val[1:-1]
            if not val.strip():
                raise QueryError(f"{name}: needs a value: {self.text!r}")
            if name == "title":
                return Term(val.strip(), phrase=quoted, title_only=True)
            return Field(name, val.strip())
        return Term(value)


def parse_query(text: str) -> Node | None:
    """Parse a query string; ``None`` for an empty query (match everything)."""
    node = _Parser(text or "").parse()
    if node is not None and not has_positive(node):
        raise QueryError(f"a query needs at least one term that is not excluded: {text!r}")
    return node


def has_positive(node: Node) -> bool:
    """Whether the node can match on its own (pure exclusions cannot)."""
    if isinstance(node, (Term, Field)):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(has_positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(has_positive(c) for c in node.children)
    raise TypeError(node)


def positive_terms(node: Node | None) -> list[str]:
    """Texts of the terms that count towards a match (for highlighting)."""
    out: list[str] = []

    def walk(n, negated: bool) -> None:
        if isinstance(n, Term):
            if not negated:
                out.append(n.text)
        elif isinstance(n, Not):
            walk(n.child, not negated)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c, negated)

    if node is not None:
        walk(node, False)
    return out
