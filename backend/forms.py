"""Read a JSON body field by field, collecting every problem, so a bad request names all its bad fields at once."""

from datetime import date

from backend.errors import ValidationError

ID_MAX = 2**31 - 1  # a database integer id (backend/guards.py)


class Form:
    """Typed getters over a dict; `done()` raises one ValidationError listing every field that failed."""

    def __init__(self, data: dict):
        self.data, self.errors = data, {}

    def _fail(self, name, reason):
        self.errors.setdefault(name, reason)

    def _missing(self, name, required):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self._fail(name, "error.required")
            return True
        return False

    def str(self, name, required=True, max_length=200, choices=None) -> str | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        if not isinstance(value, str):
            return self._fail(name, "error.not_string")
        value = value.strip()
        if len(value) > max_length:
            return self._fail(name, "error.too_long")
        if choices is not None and value not in choices:
            return self._fail(name, "error.not_a_choice")
        return value

    def int(self, name, lo, hi, required=True) -> int | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            return self._fail(name, "error.not_integer")
        if not lo <= value <= hi:
            return self._fail(name, "error.out_of_range")
        return value

    def float(self, name, lo, hi, required=True) -> float | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self._fail(name, "error.not_number")
        if not lo <= value <= hi:
            return self._fail(name, "error.out_of_range")
        return float(value)

    def date(self, name, required=True) -> date | None:
        if self._missing(name, required):
            return None
        try:
            return date.fromisoformat(str(self.data[name]))
        except ValueError:
            return self._fail(name, "error.not_date")

    def ids(self, name, required=False, max_items=20) -> list[int]:
        if self._missing(name, required):
            return []
        value = self.data[name]
        if (
            not isinstance(value, list)
            or len(value) > max_items
            or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= ID_MAX for v in value)
        ):
            self._fail(name, "error.not_id_list")
            return []
        return list(dict.fromkeys(value))

    def list_of_str(self, name, required=False, max_items=20, max_length=200) -> list[str]:
        if self._missing(name, required):
            return []
        value = self.data[name]
        if (
            not isinstance(value, list)
            or len(value) > max_items
            or not all(isinstance(v, str) and 0 < len(v) <= max_length for v in value)
        ):
            self._fail(name, "error.not_string_list")
            return []
        return value

    def check(self, name, fn):
        """Run fn on the field's raw value; a ValidationError from it is recorded against the field."""
        try:
            return fn(self.data.get(name))
        except ValidationError as err:
            self.errors.update({k: v for k, v in err.fields.items() if k not in self.errors} or {name: err.message_key})
            return None

    def done(self) -> None:
        if self.errors:
            raise ValidationError(fields=self.errors)
