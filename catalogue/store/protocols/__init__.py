"""The store's interface, one small protocol a concern; :class:`catalogue.store.Store` inherits them all.

* ``records.py`` — :class:`RecordStore`: stage and commit a harvest's records, read them and their metadata;
* ``harvest_log.py`` — :class:`HarvestLog`: runs, what each changed, runs cut short, marks for the index;
* ``links.py`` — :class:`PushTokens` and :class:`LinkChecks`: who may push, which URLs answer;
* ``quality.py`` — :class:`QualityStore`: quality scores and the dashboards' figures;
* ``triples.py`` — :class:`TripleStore`: what SPARQL sees, typed ``select`` / ``construct`` / ``ask``.

A function that needs one concern types its parameter with that protocol
(``catalogue/tokens.py`` takes :class:`PushTokens`), so its signature says
what it touches; callers still pass the one store they opened.
"""
