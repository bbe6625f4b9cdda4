-- On-chain data of the evm source: token metadata (read once from the chain), token
-- transfers and the balances they add up to, the blocks the indexer has seen (their hashes
-- detect reorgs), and each source's sync position. Transfers and balances are kept here, not
-- in the generic tables, because a reorg inside the confirmation window must delete them again.

CREATE TABLE evm_tokens (
  chain       text NOT NULL,
  address     text NOT NULL,                 -- lower-case 0x…
  standard    text NOT NULL CHECK (standard IN ('erc20', 'erc721', 'erc1155')),
  symbol      text,
  name        text,
  decimals    integer,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, address)
);

CREATE TABLE evm_blocks (
  source_id  text NOT NULL,
  number     int8 NOT NULL,
  hash       text NOT NULL,
  ts         timestamptz NOT NULL,
  PRIMARY KEY (source_id, number)
);

CREATE TABLE evm_sync (
  source_id   text PRIMARY KEY,
  chain       text NOT NULL,
  block       int8 NOT NULL,                 -- last block indexed (may be unconfirmed)
  hash        text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE evm_transfers (
  chain      text NOT NULL,
  token      text NOT NULL,
  block      int8 NOT NULL,
  log_index  integer NOT NULL,
  sub        integer NOT NULL DEFAULT 0,     -- position inside an ERC-1155 TransferBatch
  tx_hash    text NOT NULL,
  ts         timestamptz NOT NULL,
  from_addr  text NOT NULL,
  to_addr    text NOT NULL,
  token_id   numeric,                        -- ERC-721 / ERC-1155 id; null for ERC-20
  amount     numeric NOT NULL,               -- raw units (ERC-721: 1)
  source_id  text NOT NULL,
  PRIMARY KEY (chain, block, log_index, sub)
);
CREATE INDEX evm_transfers_token_idx ON evm_transfers (chain, token, block DESC, log_index DESC);
CREATE INDEX evm_transfers_from_idx ON evm_transfers (chain, from_addr, block DESC);
CREATE INDEX evm_transfers_to_idx ON evm_transfers (chain, to_addr, block DESC);
CREATE INDEX evm_transfers_source_idx ON evm_transfers (source_id, block);

-- Current balance per holder (ERC-721: tokens owned; ERC-1155: units over all ids), raw units.
CREATE TABLE evm_balances (
  chain    text NOT NULL,
  token    text NOT NULL,
  holder   text NOT NULL,
  balance  numeric NOT NULL,
  PRIMARY KEY (chain, token, holder)
);
CREATE INDEX evm_balances_top_idx ON evm_balances (chain, token, balance DESC);

-- Pools found in a factory's PairCreated / PoolCreated events, and how far the factory was
-- scanned, so a restart does not scan it again from the start block.
CREATE TABLE evm_pools (
  source_id  text NOT NULL,
  pool       text NOT NULL,
  token0     text NOT NULL,
  token1     text NOT NULL,
  created_block int8 NOT NULL,               -- where its swaps start
  PRIMARY KEY (source_id, pool)
);
CREATE TABLE evm_factory_sync (
  source_id  text PRIMARY KEY,
  block      int8 NOT NULL
);
