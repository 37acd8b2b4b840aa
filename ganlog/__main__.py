"""``python -m ganlog`` is the ``ganlog`` command."""

from ganlog.cli import main

if __name__ == "__main__":
    main()
