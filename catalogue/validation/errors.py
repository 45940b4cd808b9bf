"""The validation errors callers catch, in a module of their own so that any part may raise them."""

from catalogue.errors import CatalogueError


class ShapesError(CatalogueError, ValueError):
    """Shapes that cannot be loaded: a file that does not parse, or a broken shape."""


class EngineUnsupported(ShapesError):
    """The engine cannot be trusted with these shapes; the message says why."""
