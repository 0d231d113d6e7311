"""``python -m model``: train a preset into a states file, or summarise one."""

from model.cli import main

main()
