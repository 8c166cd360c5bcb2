"""The HTTP server: uvicorn, told to end the event streams when it shuts down."""

import socket

import uvicorn
from fastapi import FastAPI

from app.stream import Streams


class Server(uvicorn.Server):
    """uvicorn's server, ending the app's open event streams first when it shuts down.

    uvicorn waits for open connections to finish before it tells the app (the lifespan) to
    stop, and an event stream never finishes by itself: without this, a shutdown would wait for
    every client to leave."""

    def __init__(self, config: uvicorn.Config, streams: Streams) -> None:
        super().__init__(config)
        self.streams = streams

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.streams.close()
        await super().shutdown(sockets)


def serve(app: FastAPI, host: str, port: int) -> bool:
    """Serve ``app`` until a signal stops the server; False if it could not start."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    server = Server(config, app.state.streams)
    server.run()
    return server.started
