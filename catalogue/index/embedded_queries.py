"""The embedded index's queries: the user's words and filters as tantivy queries.

Query text is never handed to tantivy's query parser: it is split into parts
by :func:`catalogue.index.analysis.query_parts` (what every word, phrase and
prefix means is there), each analysed with each field's own analyzer and
turned into term queries.
"""

from __future__ import annotations

from collections.abc import Iterable

import tantivy
from tantivy import FieldType, Occur, Query

from catalogue.index import filter_terms
from catalogue.index.analysis import ALTERNATIVE_BOOST, FOLDED, MIN_PREFIX, Part, analyzer_name, query_parts
from catalogue.index.embedded_discovery import CONCEPTS_BOOST
from catalogue.index.embedded_schema import TEXT_FIELDS

TITLE_BOOST = 3.0
DISMAX_TIE = 0.2


class Queries:
    """Builds queries on one schema, analysing words as the index's analyzers (by name) did."""

    def __init__(self, schema: tantivy.Schema, analyzers: dict[str, tantivy.TextAnalyzer]) -> None:
        self.schema, self.analyzers = schema, analyzers

    def text(self, text: str) -> Query | None:
        """The user's words as a query: all must match, each in any text field; None for no words."""
        required, optional = query_parts(text)
        if not required:
            return None
        clauses = [(Occur.Must, self._part(part)) for part in required]
        clauses += [(Occur.Should, self._part(part)) for part in optional]
        if len(clauses) == 1:
            return clauses[0][1]
        return Query.boolean_query(clauses)

    def _part(self, part: Part) -> Query:
        if part.kind == "prefix":
            clause = self._prefix(part.text)
        else:  # the part as written or any of its alternatives (which count less)
            written = self._any_field(part.text)
            others = (self._any_field(text) for text in part.alternatives)
            forms = [written, *(Query.boost_query(q, ALTERNATIVE_BOOST) for q in others if q is not None)]
            clause = dismax([query for query in forms if query is not None])
        # None: nothing indexable in it (every word longer than any indexed token), so nothing matches
        return clause if clause is not None else Query.empty_query()

    def _field_analyzers(self) -> Iterable[tuple[str, str, float]]:
        for lang, field in TEXT_FIELDS.items():
            yield field, analyzer_name(lang), 1.0
        yield "text_any", FOLDED, 1.0
        yield "title_any", FOLDED, TITLE_BOOST
        yield "labels", FOLDED, 1.0
        yield "concepts", FOLDED, CONCEPTS_BOOST

    def _any_field(self, text: str) -> Query | None:
        """A word or phrase in any text field, analysed the way that field was (dis-max of fields)."""
        subqueries = []
        for field, analyzer, boost in self._field_analyzers():
            tokens = [
                (token.position, token.text) for token in self.analyzers[analyzer].pre_tokenize(text).tokens
            ]
            if not tokens:
                continue
            if len(tokens) == 1:
                query = Query.term_query(self.schema, field, tokens[0][1])
            else:
                first = tokens[0][0]
                query = Query.phrase_query(
                    self.schema, field, [(pos - first, token) for pos, token in tokens]
                )
            subqueries.append(Query.boost_query(query, boost) if boost != 1.0 else query)
        return dismax(subqueries)

    def _prefix(self, word: str) -> Query | None:
        """``word*``: words starting with it, in the unstemmed fields."""
        tokens = self.analyzers[FOLDED].analyze(word)
        if not tokens or len(tokens[-1]) < MIN_PREFIX:
            return self._any_field(word)
        subqueries = []
        for field, analyzer, boost in self._field_analyzers():
            if analyzer != FOLDED:
                continue
            if len(tokens) == 1:
                query = Query.fuzzy_term_query(self.schema, field, tokens[0], distance=0, prefix=True)
            else:
                words: list[str | tuple[int, str]] = [*tokens]
                query = Query.phrase_prefix_query(self.schema, field, words)
            subqueries.append(Query.boost_query(query, boost) if boost != 1.0 else query)
        return dismax(subqueries)

    def quality_at_least(self, points: int) -> Query:
        return Query.range_query(self.schema, "quality", FieldType.Integer, points, 10_000)

    def filters(self, filters: dict[str, list[str]]) -> dict[str, Query]:
        """One query per facet with values (values OR-ed); QueryError for an unknown facet."""
        return {
            name: Query.term_set_query(self.schema, field, accepted)
            for name, (field, accepted) in filter_terms(filters).items()
        }


def conjunction(text: Query | None, filters: list[Query]) -> Query:
    """All of them: the text (when there is one) and every filter; everything when there is neither."""
    clauses = [(Occur.Must, text)] if text is not None else []
    clauses += [(Occur.Must, filter_query) for filter_query in filters]
    return Query.boolean_query(clauses) if clauses else Query.all_query()


def dismax(subqueries: list[Query]) -> Query | None:
    """The best of these per document, the others adding a little (DISMAX_TIE); None for none."""
    if not subqueries:
        return None
    if len(subqueries) == 1:
        return subqueries[0]
    return Query.disjunction_max_query(subqueries, tie_breaker=DISMAX_TIE)
