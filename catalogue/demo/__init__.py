"""Demo data: seeded, realistic national nodes of the 1+Million Genomes signatories.

Three users need believable DCAT-AP / HealthDCAT-AP input without network access:
``catalogue demo`` (a catalogue to click through: :mod:`~catalogue.demo.nodes`),
the benchmarks (any number of datasets, fast: :mod:`~catalogue.demo.generated`)
and the tests (every RDF syntax the harvester must read, plus records that must
be rejected). Everything is derived from a seed, so a given seed always produces
byte-identical files and a failing run can be replayed.

* ``content/``: the texts, nodes and code tables, as JSON; ``tables.py`` loads them;
* ``study.py``: what a dataset is about, and its title and description per language;
* ``datasets.py``: one dataset as RDF; ``nodes.py``: a node's catalogue, the files
  and the config of ``catalogue demo``; ``serialize.py``: each node's syntax.
"""
