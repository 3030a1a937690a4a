"""``python -m nndl_lib.reproduce``: the reproduction ledger's command (a public path: the ledger's
rerun commands, the README and the Makefile name it). The runner is
:mod:`nndl_lib.reproduction.runner`; see its docstring for the options.
"""

import sys

from nndl_lib.reproduction.runner import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
