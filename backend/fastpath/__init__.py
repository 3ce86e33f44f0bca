"""The hot path: a scan at the door and a signed-in request, on PostgreSQL, beside the general (ORM) path.

- `rule.py`: the one scan rule, (token version, plate version, plate state, house state) → outcome, a pure function
  both paths call (doorplates/operations.py: resolve_token, and fastscan.read).
- `record.py`: `after_scan`, the one place a scan is recorded (in the request's transaction, or queued for the
  batch writer) and warned about.
- `fastscan.py`: the landing page's one prepared read; `fastcard.py`: the house card's; `scanlog.py`: the batch
  writer of scan rows and read audit events; `pagecache.py`: the per-process cache of pages, cards and sessions,
  dropped on NOTIFY; `cache.py`: this process's cache (auth/operations.py takes its sessions from there).

Nothing here imports Flask views; the package itself imports nothing, so importing it breaks no circle.
"""
