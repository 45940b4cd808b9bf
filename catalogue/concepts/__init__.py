"""Follow your nose: concepts a record links to that we do not ship, dereferenced at harvest.

A national node may theme a dataset with its own scheme's IRI, code it with
a terminology we do not ship, or place it in a region by IRI. Those IRIs are
fetched by content negotiation (Turtle, RDF/XML, JSON-LD) when a harvest
writes the records that carry them (:func:`resolve_records`); the
``skos:prefLabel`` and ``skos:altLabel`` of each concept in every language
and its ``skos:broader`` chain are kept in an on-disk cache under the data
directory (:mod:`catalogue.concepts.cache`), which the search index reads
through :class:`ConceptVocabularies`: a record themed with a concept is
found by the concept's labels and by those of its broader concepts, in any
language, on every indexing path (harvest, catch-up, rebuild).

Bounded everywhere (:class:`catalogue.config.ConceptSettings`): requests per
harvest and per host, bytes and seconds per request, depth of the broader
chain, concepts on disk. Fetches go to public addresses only, through the
guard of :mod:`catalogue.public_fetch`; ``[concepts] allow_hosts`` names
the addresses tests and closed networks may add. Answers are cached by
their HTTP caching headers (``max-age``, ``ETag``, ``Last-Modified``), so a
re-harvest revalidates at most, and a concept that failed is not asked for
again until its entry expires. Off globally with ``[concepts] resolve =
false``, per source with ``resolve_concepts = false``.
"""

from catalogue.concepts.cache import Concept, ConceptCache
from catalogue.concepts.remote import ConceptResolver, resolve_records
from catalogue.concepts.vocabularies import ConceptVocabularies

__all__ = ["Concept", "ConceptCache", "ConceptResolver", "ConceptVocabularies", "resolve_records"]
