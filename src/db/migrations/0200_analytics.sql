-- Analytics results computed by jobs (src/analytics/): aggregated prices, 24 h statistics
-- per market and per asset, and the order-book liquidity history. Reads serve these rows.

-- Contract addresses of an asset on a chain ("platform"), for lookups by address.
CREATE TABLE asset_addresses (
  asset_id  text NOT NULL REFERENCES assets (id),
  platform  text NOT NULL,           -- e.g. ethereum, binance-smart-chain
  address   text NOT NULL,           -- stored lower-case for EVM chains
  PRIMARY KEY (platform, address)
);
CREATE INDEX asset_addresses_asset_idx ON asset_addresses (asset_id);

-- The latest aggregated USD price of each asset, with how it was obtained.
CREATE TABLE asset_prices (
  asset_id     text PRIMARY KEY REFERENCES assets (id),
  price_usd    numeric NOT NULL,
  ts           timestamptz NOT NULL,     -- time of the newest data used
  confidence   numeric NOT NULL,         -- 0..1
  venues       jsonb NOT NULL,           -- [{market, price, price_usd, volume_usd}]
  excluded     jsonb NOT NULL,           -- [{market, reason, price_usd?}]
  computed_at  timestamptz NOT NULL
);

-- 24 h statistics per market, plus longer-horizon changes, trend score and volatility.
CREATE TABLE market_stats (
  market_pk      integer PRIMARY KEY,
  computed_at    timestamptz NOT NULL,
  ts             timestamptz,            -- newest data used
  last           numeric,
  open           numeric,
  high           numeric,
  low            numeric,
  change         numeric,
  change_pct     numeric,
  base_volume    numeric,
  quote_volume   numeric,
  usd_volume     numeric,
  trades         integer,
  vwap           numeric,
  last_usd       numeric,
  change_1h_pct  numeric,
  change_7d_pct  numeric,
  change_30d_pct numeric,
  volatility     numeric,                -- stddev of hourly log returns over the window
  volume_1h_usd  numeric,
  trend_score    numeric                 -- last-hour volume ÷ 7-day hourly average
);

-- 24 h statistics per asset (USD), over all its markets.
CREATE TABLE asset_stats (
  asset_id       text PRIMARY KEY REFERENCES assets (id),
  computed_at    timestamptz NOT NULL,
  price_usd      numeric,
  open_usd       numeric,
  high_usd       numeric,
  low_usd        numeric,
  change_usd     numeric,
  change_pct     numeric,
  change_1h_pct  numeric,
  change_7d_pct  numeric,
  change_30d_pct numeric,
  volume_usd     numeric,
  base_volume    numeric,
  trades         integer,
  vwap_usd       numeric,
  volatility     numeric,
  volume_1h_usd  numeric,
  trend_score    numeric,
  markets        integer NOT NULL DEFAULT 0
);

-- Order-book liquidity samples: hourly rows, reduced to daily averages after a day.
CREATE TABLE liquidity_history (
  market_pk       integer NOT NULL,
  ts              timestamptz NOT NULL,  -- bucket start
  bucket          text NOT NULL CHECK (bucket IN ('hour', 'day')),
  samples         integer NOT NULL DEFAULT 1,
  mid             numeric NOT NULL,
  spread_pct      numeric NOT NULL,
  depth_bid_usd   numeric,
  depth_ask_usd   numeric,
  cost_up_usd     numeric,
  cost_down_usd   numeric,
  PRIMARY KEY (market_pk, bucket, ts)
);
