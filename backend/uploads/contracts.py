"""What the photo upload answers (backend/api/contract.py); the upload itself is multipart, not a JSON body."""

from typing import Annotated

from pydantic import Field

from backend.api.contract import Reply


class Photo(Reply):
    id: int
    width: Annotated[int, Field(description="pixels of the stored JPEG")]
    height: int
    size: Annotated[int, Field(description="bytes of the stored JPEG")]
