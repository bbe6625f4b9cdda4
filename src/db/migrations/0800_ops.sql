-- Operations: the record of backups (for `wick backup list` and the backup-age metric),
-- API keys (only a hash of each key is stored) and their usage counters, kept in Postgres
-- so that every API replica enforces the same limits.

CREATE TABLE wick_backups (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  locations    text[] NOT NULL,
  bytes        bigint NOT NULL,
  rows         bigint NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name           text,
  prefix         text NOT NULL,            -- the key's first characters, to recognise it in lists
  hash           bytea NOT NULL UNIQUE,    -- sha256 of the whole key
  scope          text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
  rate_limit     integer CHECK (rate_limit > 0),       -- requests per rate_window_s; NULL = unlimited
  rate_window_s  integer NOT NULL DEFAULT 60 CHECK (rate_window_s > 0),
  monthly_quota  integer CHECK (monthly_quota > 0),    -- requests per calendar month (UTC); NULL = unlimited
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz,
  revoked_at     timestamptz
);

-- Fixed-window counters: kind 'rate' (window = rate_window_s) and 'month' (calendar month, UTC).
CREATE TABLE api_key_usage (
  key_id        integer NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('rate', 'month')),
  window_start  timestamptz NOT NULL,
  count         integer NOT NULL,
  PRIMARY KEY (key_id, kind, window_start)
);
