"""``python -m app``: the same as the ``backprop-playground`` console script."""

from app.cli import main

main()
