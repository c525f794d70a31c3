"""``python -m motionclip``: the same as the ``motionclip`` command."""

from motionclip.cli import main

main()
