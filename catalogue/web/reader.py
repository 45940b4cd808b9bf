"""A reader process of ``catalogue serve --workers N`` (see ``workers.py``).

Started by ``serve`` as ``python -m catalogue.web.reader CONFIG FD LOG_FORMAT PARENT``
with the listening socket as file descriptor FD: it opens the backends
read-only and answers on that socket, forwarding what writes to the ``serve``
process, whose pid is PARENT: when that process ends, so does the reader
(``catalogue/lifeline.py``).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from catalogue.backends import Backends
from catalogue.config import Settings, load_settings
from catalogue.index.opening import open_index
from catalogue.lifeline import end_with_parent
from catalogue.logs import LogFormat, log_config
from catalogue.store import open_store
from catalogue.vocabularies import Vocabularies
from catalogue.web.workers import ReaderServer, writer_socket


def reader_backends(settings: Settings) -> Backends:
    """Store and index opened read-only, as they are: the writer already brought them in line."""
    store = open_store(settings, read_only=True)
    try:
        index = open_index(settings.search, settings.index_dir, read_only=True)
    except BaseException:
        store.close()
        raise
    return Backends(settings, store, index, Vocabularies.load())


def main(config: str, fd: str, log_format: LogFormat, parent: int) -> None:
    end_with_parent(parent)
    import uvicorn

    from catalogue.web import create_app

    settings = load_settings(Path(config))
    backends = reader_backends(settings)
    listener = socket.socket(fileno=int(fd))
    try:
        app = create_app(backends, writer=writer_socket(settings.data_dir))
        served = uvicorn.Config(app, log_level="warning", log_config=log_config(log_format))
        ReaderServer(served).run(sockets=[listener])
    finally:
        backends.close()
        listener.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "json" if sys.argv[3] == "json" else "text", int(sys.argv[4]))
