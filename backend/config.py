"""Default configuration; override with MENPAI_* environment variables or a test mapping."""

# Where the doorplate URLs point; a public contract once plates are printed.
PUBLIC_BASE_URL = "http://127.0.0.1:5000"

# None means: SQLite + SpatiaLite in the instance folder. Production: postgresql://… (PostGIS).
DATABASE_URL = None

SECRET_KEY = None  # generated once into the instance folder when not configured
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "menpai_session"
SESSION_LIFETIME_HOURS = 12

# werkzeug's scrypt (n=2**15, r=8, p=1); tests may pass a cheaper method.
PASSWORD_HASH_METHOD = "scrypt"
PASSWORD_MIN_LENGTH = 10

# Login throttling: failures inside the window before further attempts are refused.
LOGIN_WINDOW_MINUTES = 15
LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
LOGIN_MAX_FAILURES_PER_IP = 30

# How many reverse proxies (nginx, a load balancer) stand in front: their X-Forwarded-For is trusted that deep,
# so login throttling sees the phone's address and not the proxy's. 0 when the app faces clients directly.
TRUSTED_PROXIES = 0

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ["zh-CN", "en"]

# Doorplate signing keys: {"A": "<64 hex>", "B": "…"} and the id new plates are signed with. Old ids stay listed so
# plates printed under them keep verifying. Unset: a key generated once into instance/doorplate_keys.json
# (`flask doorplates new-key` adds and switches to a new one there).
DOORPLATE_KEYS = None
DOORPLATE_KEY_ID = None

# A CJK font for the Chinese address on printed plates; unset: found with fc-match / the usual Debian paths.
DOORPLATE_FONT = None

# Personal data (ID numbers, phones, names) is AES-256-GCM encrypted: {"1": "<64 hex>", …}, the id for new
# writes, and a separate key for the HMAC blind indexes. Unset (development): derived from SECRET_KEY.
PERSONAL_DATA_KEYS = None
PERSONAL_DATA_KEY_ID = None
PERSONAL_DATA_INDEX_KEY = None

# A tenant's residence registration (居住登记) is renewed this often.
RESIDENCE_RENEWAL_MONTHS = 6
# Photos: where the sanitised JPEGs go (default instance/photos) and the upload limits.
PHOTO_DIR = None
PHOTO_MAX_MB = 10
MAX_CONTENT_LENGTH = 12 * 1024 * 1024
