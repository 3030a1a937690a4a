"""How a chapter's code trains, beside its hyper-parameters: one small value per convention.

The book's two training programs differ in four choices that are not hyper-parameters:

============================  ===============================  ===============================
                              chapters 1-3 and 5               chapter 6
                              (``network.py``, ``network2.py``)  (``network3.py``)
============================  ===============================  ===============================
mini-batch order              a new shuffle every epoch        the order of the data, kept
a last, smaller mini-batch    trained on                       dropped
n in w -> (1 - eta lmbda/n) w the number of training images    the number of mini-batches
a tie in evaluation accuracy  not an improvement (first wins)  an improvement (last wins)
============================  ===============================  ===============================

:data:`CHAPTER_1`, :data:`CHAPTER_3` and :data:`CHAPTER_6` name them; pass one as
``conventions=`` to :func:`nndl_lib.training.train` (``Network.SGD`` trains with
:data:`CHAPTER_3`, ``ConvNetwork.SGD`` with :data:`CHAPTER_6`). A variant is
``CHAPTER_6.but(shuffle=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nndl_lib.validate import check_int

__all__ = ["TrainingConventions", "CHAPTER_1", "CHAPTER_3", "CHAPTER_6", "TIES"]

#: Which epoch is best when evaluation accuracies tie.
TIES = ("first", "last")


@dataclass(frozen=True)
class TrainingConventions:
    """The choices of a chapter's training loop that are not hyper-parameters.

    shuffle: a new random mini-batch order every epoch (else the data's own order).
    drop_last: leave out a last mini-batch smaller than ``mini_batch_size``.
    lmbda_n: the n of the weight decay eta lmbda / n: None for the number of training examples
        (chapter 3), "mini_batches" for the number of mini-batches per epoch (chapter 6), or an
        int.
    ties: the best epoch when evaluation accuracies tie: "first" (a tie is no improvement) or
        "last".
    """

    shuffle: bool = True
    drop_last: bool = False
    lmbda_n: int | str | None = None
    ties: str = "first"

    def __post_init__(self) -> None:
        if self.ties not in TIES:
            raise ValueError(f"ties must be one of {TIES}; got {self.ties!r}")
        if self.lmbda_n not in (None, "mini_batches"):
            check_int(self.lmbda_n, "lmbda_n (None, 'mini_batches' or an int)", minimum=1)

    def but(self, **changes: Any) -> TrainingConventions:
        """A copy with some choices changed, e.g. ``CHAPTER_6.but(shuffle=True)``."""
        return replace(self, **changes)

    def weight_decay_n(self, n: int, mini_batch_size: int) -> int:
        """The n of eta lmbda / n for ``n`` training examples cut into ``mini_batch_size``."""
        if self.lmbda_n is None:
            return n
        if self.lmbda_n == "mini_batches":
            return n // mini_batch_size if self.drop_last else -(-n // mini_batch_size)
        return int(self.lmbda_n)


#: Chapter 3's ``network2.py`` (and chapter 5, which trains with it).
CHAPTER_3 = TrainingConventions()
#: Chapter 1's ``network.py``: the same loop (it has no regularisation and no early stopping).
CHAPTER_1 = CHAPTER_3
#: Chapter 6's ``network3.py``.
CHAPTER_6 = TrainingConventions(shuffle=False, drop_last=True, lmbda_n="mini_batches",
                                ties="last")
