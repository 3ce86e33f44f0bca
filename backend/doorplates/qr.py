"""QR codes for doorplates at level Q, with the mask chosen by the standard penalty in numpy (pure: no Flask).

qrcode's own mask search lays the data out eight times in pure Python (~5 ms a code); a print run of 10,000
plates spent most of its time there. Here the data is laid out once (mask 0) and the other seven masks are
XOR-ed onto the data modules as arrays; the penalty (ISO/IEC 18004 §7.8.3: runs, 2×2 blocks, finder-like
patterns, dark balance) is the same sum qrcode computes, as `tests/test_doorplate_qr.py` checks.
"""

import numpy as np
import qrcode
from numpy.lib.stride_tricks import sliding_window_view
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

ALNUM = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
FINDER_LIKE = (
    np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool),
    np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool),
)
MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
)


class _Code(qrcode.QRCode):
    """Remembers which modules carry data (the ones still empty when the data is laid out)."""

    data_cells = None

    def map_data(self, data, mask_pattern):
        self.data_cells = np.array([[cell is None for cell in row] for row in self.modules])
        super().map_data(data, mask_pattern)


def _runs(m: np.ndarray) -> int:
    """3 + (length - 5) for every row or column run of five or more modules of one colour."""
    total = 0
    for a in (m, m.T):
        n = a.shape[1]
        edges = np.ones((a.shape[0], n + 1), dtype=bool)
        edges[:, 1:n] = a[:, 1:] != a[:, :-1]
        lengths = np.diff(np.flatnonzero(edges))  # the row-to-row steps are length 1 and drop out below
        total += int((lengths[lengths >= 5] - 2).sum())
    return total


def penalty(m: np.ndarray) -> int:
    """The mask penalty of a finished symbol (True = dark)."""
    blocks = (m[:-1, :-1] == m[1:, :-1]) & (m[:-1, :-1] == m[:-1, 1:]) & (m[:-1, :-1] == m[1:, 1:])
    finder = 0
    for a in (m, m.T):
        windows = sliding_window_view(a, 11, axis=1)
        finder += sum(int((windows == p).all(axis=2).sum()) for p in FINDER_LIKE)
    balance = int(abs(int(m.sum()) * 100 / m.size - 50) / 5)  # every 5 % away from half dark
    return _runs(m) + 3 * int(blocks.sum()) + 40 * finder + 10 * balance


def _code(url: str) -> _Code:
    code = _Code(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0, mask_pattern=0)
    prefix, _, tail = url.rpartition("/")
    if prefix and tail and set(tail) <= ALNUM:
        # The token is alphanumeric: 5.5 bits a character instead of 8 keeps the code a version smaller.
        code.add_data(QRData((prefix + "/").encode(), mode=MODE_8BIT_BYTE))
        code.add_data(QRData(tail.encode(), mode=MODE_ALPHA_NUM, check_data=False))
    else:
        code.add_data(QRData(url.encode(), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return code


def symbols(url: str):
    """(mask, modules) for all eight masks of url's code at level Q."""
    code = _code(url)
    n = code.modules_count
    i, j = np.indices((n, n))
    base = MASKS[0](i, j)
    for k in range(8):
        code.setup_type_info(False, k)  # the format bits name the mask
        m = np.array(code.modules, dtype=bool)
        m ^= code.data_cells & (base ^ MASKS[k](i, j))
        yield k, m


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of url's QR code at level Q (True = dark), without quiet zone, best mask."""
    _, best = min(symbols(url), key=lambda km: penalty(km[1]))
    return best.tolist()
