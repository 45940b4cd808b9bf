"""The ``catalogue`` command: harvest, serve, demo, validate, tokens, checks, backups.

One typer app (``common.app``); each module beside this one adds the commands of
one concern to it when imported, in the order ``catalogue --help`` lists them.
"""

# isort: off
from catalogue.cli.common import app
from catalogue.cli import harvesting, tokens, serving, validation, maintenance, data
# isort: on

__all__ = ["app", "data", "harvesting", "maintenance", "serving", "tokens", "validation"]
