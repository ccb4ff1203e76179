"""`python -m dedup`."""

from dedup.cli import app

app(prog_name="dedup")
