"""Default configuration; override with MENPAI_* environment variables or a test mapping."""

# Where the doorplate URLs point; a public contract once plates are printed.
PUBLIC_BASE_URL = "http://127.0.0.1:5000"

# None means: SQLite + SpatiaLite in the instance folder. Production: postgresql://… (PostGIS).
DATABASE_URL = None

SECRET_KEY = None  # else instance/secret_key, written once by `flask secret-key ensure` (backend/secret_key.py)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "menpai_session"
SESSION_LIFETIME_HOURS = 12

# werkzeug's scrypt (n=2**15, r=8, p=1); tests may pass a cheaper method.
PASSWORD_HASH_METHOD = "scrypt"
PASSWORD_MIN_LENGTH = 10
# One-time passwords (an account made or reset by an admin or supervisor, backend/users/): 16 random characters, 80
# bits, so no guessing to slow down; hashed with PBKDF2 so a bulk import of hundreds of accounts takes seconds. The
# password the person then chooses is hashed with PASSWORD_HASH_METHOD.
ONE_TIME_PASSWORD_HASH_METHOD = "pbkdf2:sha256:20000"
# Bulk staff import over the API (POST /api/v1/users/import): the largest file and the most rows; `flask users
# import` has no row limit.
USERS_IMPORT_MAX_BYTES = 2 * 1024 * 1024
USERS_IMPORT_MAX_ROWS = 1000

# Login throttling (backend/auth/throttle.py): failures counted inside the window. Per account and IP: this many
# free, then a wait doubling from LOGIN_BACKOFF_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS. Per account across IPs: at
# this many only a known device (a cookie from an earlier successful login, kept LOGIN_DEVICE_DAYS) may try. Per IP
# across accounts (an office behind one NAT shares it): at this many, accounts that failed from there wait and the
# others get one try per LOGIN_IP_SLOW_SECONDS.
LOGIN_WINDOW_MINUTES = 15
LOGIN_FREE_FAILURES = 5
LOGIN_BACKOFF_SECONDS = 5
LOGIN_BACKOFF_MAX_SECONDS = 900
LOGIN_MAX_FAILURES_PER_ACCOUNT = 10
LOGIN_MAX_FAILURES_PER_IP = 100
LOGIN_IP_SLOW_SECONDS = 2
LOGIN_DEVICE_DAYS = 180

# Verification (核验): an approval from further than this (metres, from the address point) goes to the township
# supervisor's review instead of activating the plate; the fix's reported accuracy is subtracted first, but at most
# VERIFY_ACCURACY_CREDIT_M of it (a fix claiming ±5 km earns no more benefit of the doubt than one of ±100 m).
VERIFY_MAX_DISTANCE_M = 150
VERIFY_ACCURACY_CREDIT_M = 100

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

# Scans from the landing page's fast path (PostgreSQL) are written in batches: every this many seconds, or sooner
# at SCAN_BUFFER_ROWS rows; at most SCAN_BUFFER_MAX rows wait while the database is unreachable. 0: at once.
SCAN_FLUSH_SECONDS = 0.25
SCAN_BUFFER_ROWS = 500
SCAN_BUFFER_MAX = 100_000
# The audit events of masked reads on the house card's fast path (PostgreSQL) are written the same way, every this
# many seconds, committed synchronously; never dropped (fastpath/fastcard.py). 0: at once.
READ_AUDIT_FLUSH_SECONDS = 0.2
# An idempotency key's request holds it this long; a retry after that takes it over (its worker died: idempotency.py).
# Keep it above the longest request (gunicorn's timeout).
IDEMPOTENCY_LEASE_SECONDS = 60
# Rendered landing pages of doors scanned again, per process (PostgreSQL: dropped on the database's NOTIFY when the
# house changes; see fastpath/pagecache.py). Entries per process, and the most seconds one is kept. 0: no cache.
LANDING_CACHE_ENTRIES = 20_000
LANDING_CACHE_SECONDS = 300
# The same cache holds the house card of a staff scan (per plate, with the landing pages' entries), and signed-in
# sessions (dropped on NOTIFY menpai_sessions when revoked, or when the user or a region changes; kept at most
# LANDING_CACHE_SECONDS): sessions per process. 0: every signed-in request reads its session from the database.
SESSION_CACHE_ENTRIES = 10_000

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
PHOTO_MAX_MB = 16  # a 12 MB photo straight from a phone camera must pass
MAX_CONTENT_LENGTH = 17 * 1024 * 1024  # PHOTO_MAX_MB and the multipart envelope
# Any other request body (JSON): its longest documented texts fit many times over (backend/guards.py).
JSON_MAX_BYTES = 256 * 1024

# Notifications. Web Push (VAPID, RFC 8292): the key pair from `flask notify vapid-keys`; unset: generated once into
# instance/vapid.json. Changing the key invalidates every browser's subscription. The subject is who push services
# contact about this sender: a mailto: address (or an https: URL).
VAPID_PRIVATE_KEY = None
VAPID_PUBLIC_KEY = None
VAPID_SUBJECT = "mailto:admin@localhost"
PUSH_TIMEOUT_SECONDS = 10
PUSH_TTL_SECONDS = 86400  # how long a push service keeps a message for a phone that is offline
PUSH_PROXY = None  # an http(s) proxy to reach the push services through; HTTPS_PROXY etc. are not read
# Subscriptions must point at https push services; plain http to 127.0.0.1/localhost only when this is true (or in
# tests). PUSH_ENDPOINT_HOSTS: a list of allowed push-service host suffixes (e.g. ["push.services.mozilla.com"]).
PUSH_ALLOW_INSECURE_ENDPOINTS = False
PUSH_ENDPOINT_HOSTS = None
# SMS: "dev" records texts in the sms_messages table (`flask sms outbox` prints them); "aliyun" is Alibaba Cloud SMS
# (backend/notify/aliyun.py); another provider is "package.module:factory" (backend/notify/sms.py, docs/deploy.md).
SMS_GATEWAY = "dev"
SMS_TIMEOUT_SECONDS = 10
# Alibaba Cloud SMS: a RAM user's AccessKey, the approved sign name (签名) and verification-code template (${code});
# optionally a template with ${text} for notifications by SMS. The endpoint may be "http://host:port" (a stand-in).
SMS_ALIYUN_ACCESS_KEY_ID = None
SMS_ALIYUN_ACCESS_KEY_SECRET = None
SMS_ALIYUN_SIGN_NAME = None
SMS_ALIYUN_TEMPLATE_CODE = None
SMS_ALIYUN_NOTICE_TEMPLATE_CODE = None
SMS_ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"

# Sign-in codes by SMS (backend/auth/phone.py): 6 digits, valid this long, this many wrong tries each. How many codes
# may be sent: per phone (a minute, an hour, a day), per client IP (an hour) and in all (an hour; the SMS bill's
# ceiling). 0 turns a limit off. Over a limit the answer is 429 with Retry-After.
SMS_CODE_SECONDS = 300
SMS_CODE_MAX_TRIES = 5
SMS_PHONE_PER_MINUTE = 1
SMS_PHONE_PER_HOUR = 5
SMS_PHONE_PER_DAY = 10
SMS_IP_PER_HOUR = 30
SMS_GLOBAL_PER_HOUR = 5000
# Staff whose role may read personal data in clear confirm a password sign-in with a code sent to their registered
# phone. None: on with a real SMS gateway (production), off with the dev one (the demo, tests); True/False force it.
STAFF_SECOND_FACTOR = None
STAFF_SECOND_FACTOR_ROLES = ["police", "admin"]
# The outbox worker (`flask notify work`): retries back off 30 s × 2^n up to an hour; after this many tries: dead.
NOTIFY_MAX_ATTEMPTS = 8
NOTIFY_BACKOFF_SECONDS = 30
NOTIFY_BACKOFF_MAX_SECONDS = 3600
NOTIFY_BATCH_SIZE = 20

# The cockpit's alerts (backend/cockpit/alerts.py): a declaration still unverified after this many days; tenant
# scans / revoked-plate scans within this many days; fewer square metres per occupant than this is "crowded";
# the patrol interval per colour (Shenzhen-Longgang: green every 3 weeks, yellow 2, red weekly).
COCKPIT_UNVERIFIED_DAYS = 7
COCKPIT_RECENT_SCAN_DAYS = 14
COCKPIT_MIN_AREA_PER_PERSON = 5.0
COCKPIT_PATROL_DAYS = {"green": 21, "yellow": 14, "red": 7}
# The calendar the cockpit counts days, weeks and months in (an IANA zone name; a check-in at 23:30 UTC is
# the next day in China). Changing it makes the daily aggregates unread until the next `flask cockpit refresh`.
COCKPIT_TIMEZONE = "Asia/Shanghai"
# An optional raster tile URL for the cockpit's map ({z}/{x}/{y}, GCJ-02 tiles as AMap/Tencent serve them); unset:
# the map is the GeoJSON grid layers alone, no tile server.
MAP_TILE_URL = None
