"""`python -m ggzy …` runs the `ggzy` command line."""

from ggzy.cli import main

main()
