"""Validation: records checked against a profile's SHACL shapes, and the reports people read.

Nothing is imported here, so that importing a part (the configuration needs
only :mod:`~catalogue.validation.profiles`) does not load the SHACL engines.

* ``profiles``: which shapes files a validation profile (``dcat-ap-3``, ``gdi``…) uses;
* ``shapes``: the one shapes loader (strict, or tolerant of broken files);
* ``literals``: the XSD well-formedness rule both engines are given;
* ``engine``: the small interface an engine implements; ``pyshacl_engine``
  and ``pyrudof_engine`` implement it, ``selection`` picks one;
* ``validator``: :class:`~catalogue.validation.validator.Validator`, batches
  records, spreads large runs over ``pool``;
* ``summary`` and ``render``: a report people read (web, CLI), as JSON, Turtle or text.

The report types themselves (``ValidationReport``, ``ValidationResult``) are
plain dataclasses in :mod:`catalogue.model`, so the store needs none of this.
"""
