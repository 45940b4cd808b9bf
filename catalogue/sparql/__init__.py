"""The SPARQL 1.1 query service behind ``/sparql`` (the HTTP side is ``catalogue/web/sparql.py``).

* ``service.py`` — :class:`~catalogue.sparql.service.SparqlService`: which dataset a query sees, and
  where it runs (a worker process over the embedded store, or forwarded to a SPARQL server);
* ``answer.py`` — what the endpoint answers and refuses: limits, errors, the read-only guard;
* ``syntax.py`` — what a query asks for, read with a real SPARQL grammar;
* ``formats.py`` — result and RDF syntaxes, negotiation, the service description;
* ``forward.py`` — a store kept on a SPARQL server: queries forwarded to it;
* ``worker.py`` — the pool of worker processes that makes a runaway query stoppable.
"""
