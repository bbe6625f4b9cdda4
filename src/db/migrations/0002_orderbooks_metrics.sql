-- Order-book snapshots (the source of depth and liquidity figures) and generic metric
-- series: a name plus labels, observed over time (e.g. an NFT collection's floor price).

CREATE TABLE orderbook_snapshots (
  market_pk  integer NOT NULL,
  ts         timestamptz NOT NULL,
  bids       jsonb NOT NULL,     -- [[price, amount], ...] best first, exact decimal strings
  asks       jsonb NOT NULL,
  PRIMARY KEY (market_pk, ts)
);

CREATE TABLE metric_series (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  labels      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, labels)
);

CREATE TABLE metric_points (
  series_id   integer NOT NULL REFERENCES metric_series (id),
  ts          timestamptz NOT NULL,
  value       numeric NOT NULL,
  PRIMARY KEY (series_id, ts)
);
