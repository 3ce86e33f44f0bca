"""What every importer reports: rejected lines with a reason, and the all-or-nothing refusal."""

from dataclasses import dataclass, field


@dataclass
class Reject:
    line: int
    code: str
    key: str
    params: dict = field(default_factory=dict)


class ImportRejected(Exception):
    """The file had bad rows; nothing was written."""

    def __init__(self, rejects: list[Reject]):
        super().__init__(f"{len(rejects)} rejected rows")
        self.rejects = rejects
