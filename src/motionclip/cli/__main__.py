"""``python -m motionclip.cli``: the same as the ``motionclip`` command."""

from motionclip.cli import main

main()
