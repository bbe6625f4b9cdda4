-- User accounts and sessions, alert rules with their state, firings, deliveries and
-- dead letters. API keys (security issue) reference users(id).

CREATE TABLE users (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email              text NOT NULL,
  password_hash      text NOT NULL,             -- scrypt$N$r$p$salt$hash
  role               text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  email_verified_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE user_sessions (
  token_hash   text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

-- Process-independent secrets (token signing) created once per database.
CREATE TABLE wick_secrets (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_rules (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  owner_id     bigint REFERENCES users (id) ON DELETE CASCADE,   -- null: from the config file
  config_key   text UNIQUE,                                      -- set for config-file rules
  kind         text NOT NULL CHECK (kind IN ('threshold', 'change', 'ratio_ma', 'rank', 'stale')),
  series       jsonb NOT NULL,
  params       jsonb NOT NULL,
  cooldown_ms  bigint NOT NULL DEFAULT 0,
  hysteresis   numeric NOT NULL DEFAULT 0,
  channels     jsonb NOT NULL DEFAULT '[]',                      -- delivery targets
  enabled      boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Evaluation state survives restarts: whether the condition is active (hysteresis), the
-- last firing (cooldown) and the last bucket evaluated (catch-up after a pause).
CREATE TABLE alert_state (
  rule_id        bigint PRIMARY KEY REFERENCES alert_rules (id) ON DELETE CASCADE,
  active         boolean NOT NULL DEFAULT false,
  last_fired_at  timestamptz,
  cursor_ts      timestamptz,
  last_value     numeric,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_subscriptions (
  rule_id     bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, user_id)
);

-- E-mail addresses that used an unsubscribe link for a rule.
CREATE TABLE alert_unsubscribes (
  rule_id     bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  email       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, email)
);

CREATE TABLE alert_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_id   bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  at        timestamptz NOT NULL,        -- time of the data that fired
  fired_at  timestamptz NOT NULL DEFAULT now(),
  value     numeric,
  message   text NOT NULL,
  details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_events_rule_idx ON alert_events (rule_id, at DESC);
CREATE INDEX alert_events_at_idx ON alert_events (at DESC);

CREATE TABLE alert_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id         bigint NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
  channel          text NOT NULL,        -- email | webhook | slack | discord | telegram
  target           text NOT NULL,        -- address or URL
  options          jsonb NOT NULL DEFAULT '{}',
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  errors           jsonb NOT NULL DEFAULT '[]',  -- one entry per failed attempt
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';

-- Deliveries that exhausted their retries, with every attempt's error.
CREATE TABLE alert_dead_letters (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  bigint NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
  event_id     bigint NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
  channel      text NOT NULL,
  target       text NOT NULL,
  attempts     integer NOT NULL,
  errors       jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
