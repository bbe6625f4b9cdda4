-- Core market-data model: venues, assets, markets, trades, candles, ticker snapshots,
-- and the cursors that say how far each source has ingested.

CREATE TABLE venues (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('exchange', 'dex', 'replay')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assets (
  id          text PRIMARY KEY,          -- unified code, e.g. BTC
  symbol      text NOT NULL,
  name        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE markets (
  pk               integer GENERATED ALWAYS AS IDENTITY UNIQUE,   -- compact key for the big tables
  id               text PRIMARY KEY,                              -- venue:BASE-QUOTE
  venue_id         text NOT NULL REFERENCES venues (id),
  symbol           text NOT NULL,                                 -- the venue's unified symbol, BASE/QUOTE
  base_id          text NOT NULL REFERENCES assets (id),
  quote_id         text NOT NULL REFERENCES assets (id),
  type             text NOT NULL DEFAULT 'spot',
  active           boolean NOT NULL DEFAULT true,
  price_precision  numeric,
  amount_precision numeric,
  -- where this market's candles come from: built from its trades, or the exchange's own
  candle_source    text CHECK (candle_source IN ('trades', 'exchange')),
  first_trade_at   timestamptz,
  last_trade_at    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (venue_id, symbol)
);
CREATE INDEX markets_base_idx ON markets (base_id);
CREATE INDEX markets_quote_idx ON markets (quote_id);

-- One index serves both uniqueness (a trade always has the same time) and time-range reads.
CREATE TABLE trades (
  market_pk  integer NOT NULL,
  ts         timestamptz NOT NULL,
  trade_id   text NOT NULL,
  price      numeric NOT NULL,
  amount     numeric NOT NULL,
  side       text CHECK (side IN ('buy', 'sell')),
  PRIMARY KEY (market_pk, ts, trade_id)
);

-- Candles at the stored resolutions (seconds). Trade-built candles keep the ordering keys
-- of their first and last trade so that later (or late) trades merge in exactly.
CREATE TABLE candles (
  market_pk     integer NOT NULL,
  resolution    integer NOT NULL,
  ts            timestamptz NOT NULL,
  open          numeric NOT NULL,
  high          numeric NOT NULL,
  low           numeric NOT NULL,
  close         numeric NOT NULL,
  volume        numeric NOT NULL,
  quote_volume  numeric,
  trades        integer,
  open_key      text,
  close_key     text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (market_pk, resolution, ts)
);

CREATE TABLE ticker_snapshots (
  market_pk      integer NOT NULL,
  ts             timestamptz NOT NULL,
  last           numeric,
  bid            numeric,
  ask            numeric,
  high           numeric,
  low            numeric,
  open           numeric,
  base_volume    numeric,
  quote_volume   numeric,
  vwap           numeric,
  change_percent numeric,
  PRIMARY KEY (market_pk, ts)
);

CREATE TABLE source_cursors (
  source_id   text NOT NULL,
  stream      text NOT NULL,       -- e.g. trades:binance:BTC-USDT
  cursor      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_id, stream)
);
