-- Job and provider state shared by every Wick process on this database.
-- pg-boss keeps its own tables in the "pgboss" schema (created by pg-boss itself).

-- What each job did last: served at GET /v1/jobs and GET /v1/sources.
CREATE TABLE job_state (
  name             text PRIMARY KEY,
  source           text,
  description      text NOT NULL DEFAULT '',
  schedule         text NOT NULL DEFAULT '',
  priority         integer NOT NULL DEFAULT 0,
  deferred         text,               -- why the job is deferred (budget degradation), null when active
  last_run_at      timestamptz,
  last_success_at  timestamptz,
  last_duration_ms integer,
  last_rows        integer,
  last_calls       numeric,
  last_error       text,
  last_error_at    timestamptz,
  runs             integer NOT NULL DEFAULT 0,
  failures         integer NOT NULL DEFAULT 0,
  next_run_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per provider: locked (FOR UPDATE) by every call so all processes share one limiter.
CREATE TABLE provider_limits (
  provider      text PRIMARY KEY,
  paused_until  timestamptz,
  pause_reason  text
);

-- Calls inside the rate windows (sliding-window log), pruned as they age out.
CREATE TABLE provider_calls (
  provider  text NOT NULL,
  at        timestamptz NOT NULL,
  cost      numeric NOT NULL
);
CREATE INDEX provider_calls_provider_at ON provider_calls (provider, at);

-- Quota counters per period; persisted so a restart does not reset them.
CREATE TABLE provider_usage (
  provider      text NOT NULL,
  period        text NOT NULL,          -- 'day' | 'month'
  period_start  date NOT NULL,
  used          numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (provider, period, period_start)
);
