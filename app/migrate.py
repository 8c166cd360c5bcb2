"""Run the Alembic migrations from code (CLI, server start, test suite)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection


def migrations_dir() -> Path:
    """The ``alembic/`` folder: beside the packages in a checkout, else in the working directory."""
    for candidate in (Path(__file__).resolve().parent.parent / "alembic", Path.cwd() / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError("cannot find the alembic/ migrations folder")


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = url
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, *, connection: Connection | None = None) -> None:
    """Migrate the database to the newest revision."""
    command.upgrade(alembic_config(url=url, connection=connection), "head")


def downgrade_base(url: str | None = None, *, connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(url=url, connection=connection), "base")
