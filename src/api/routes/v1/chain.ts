// On-chain reads from the evm source's store: a token's holders (count and top holders), its
// daily holder-count history and transfers, and a wallet's transfers. Tokens and wallets are
// named "{chain}:{address}" with the chain's configured name (e.g. ethereum:0xabc…).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest, notFound } from '../../errors.js';
import { errors, Limit, Nullable } from '../../schemas.js';
import type { ApiContext } from '../../app.js';
import { holderHistory, holders, tokenInfo, transfers } from '../../../sources/evm/store.js';

const Ref = Type.Object({ ref: Type.String({ description: '{chain}:{address}, e.g. ethereum:0x6b175474e89094c44da98b954eedeac495271d0f' }) });
const TransferSchema = Type.Object({
  token: Type.String(), block: Type.Integer(), log_index: Type.Integer(), tx_hash: Type.String(),
  time: Type.Integer({ description: 'Epoch ms' }), from: Type.String(), to: Type.String(),
  token_id: Nullable(Type.String({ description: 'ERC-721/1155 token id' })),
  amount: Type.String({ description: 'Raw units (ERC-721: 1)' }),
  value: Nullable(Type.String({ description: 'Amount in whole tokens (ERC-20, decimals applied)' })),
});
const TransferPage = Type.Object({ transfers: Type.Array(TransferSchema), next: Nullable(Type.String({ description: 'Pass as `before` for the next page' })) });
const TokenSchema = Type.Object({ chain: Type.String(), address: Type.String(), standard: Type.String(), symbol: Nullable(Type.String()), name: Nullable(Type.String()), decimals: Nullable(Type.Integer()) });

function scale(raw: string, decimals: number | null): string | null {
  if (decimals === null) return null;
  if (decimals === 0) return raw;
  const neg = raw.startsWith('-');
  const digits = (neg ? raw.slice(1) : raw).padStart(decimals + 1, '0');
  const out = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`.replace(/\.?0+$/, '');
  return (neg ? '-' : '') + out;
}

export const chainRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const maxLimit = ctx.config.server.maxLimit;
  const chains = new Set(ctx.config.sources.flatMap((s) => (s.type === 'evm' ? [s.chain.name] : [])));

  const parseRef = (ref: string, what: 'token' | 'wallet') => {
    const i = ref.indexOf(':');
    const chain = i > 0 ? ref.slice(0, i) : '';
    const address = i > 0 ? ref.slice(i + 1).toLowerCase() : '';
    if (!chain || !/^0x[0-9a-f]{40}$/.test(address)) throw badRequest('ref', `"${ref}" is not {chain}:{address} with a 0x… 20-byte ${what} address (e.g. ethereum:0x6b17…1d0f)`);
    if (!chains.has(chain)) throw notFound(`unknown chain "${chain}"${chains.size ? ` (configured: ${[...chains].join(', ')})` : ' (no evm source is configured)'}`);
    return { chain, address };
  };
  const parseBefore = (before: string | undefined) => {
    if (before === undefined) return null;
    const m = /^(\d+):(\d+)(?::(\d+))?$/.exec(before);
    if (!m) throw badRequest('before', `"${before}" is not a cursor from a previous page ("block:logIndex[:sub]")`);
    return { block: Number(m[1]), logIndex: Number(m[2]), sub: m[3] === undefined ? 0 : Number(m[3]) };
  };
  const token = async (chain: string, address: string) => {
    const t = await tokenInfo(pool, chain, address);
    if (!t) throw notFound(`token ${chain}:${address} is not indexed (add it to an evm source's tokens)`);
    return t;
  };
  const page = async (chain: string, by: { token?: string; wallet?: string }, limit: number, before: string | undefined) => {
    const rows = await transfers(pool, chain, by, limit, parseBefore(before));
    const decimals = new Map<string, number | null>();
    for (const r of rows) if (!decimals.has(r.token)) decimals.set(r.token, (await tokenInfo(pool, chain, r.token))?.decimals ?? null);
    const last = rows[rows.length - 1];
    return {
      transfers: rows.map(({ sub: _sub, ...r }) => ({ ...r, value: r.token_id === null ? scale(r.amount, decimals.get(r.token) ?? null) : null })),
      next: rows.length === limit && last ? `${last.block}:${last.log_index}:${last.sub}` : null,
    };
  };

  app.get('/tokens/:ref/holders', {
    schema: {
      summary: 'A token\'s holder count and top holders (raw balances; ERC-721: tokens owned)', tags: ['chain'],
      params: Ref,
      querystring: Type.Object({ limit: Limit(100, maxLimit) }),
      response: {
        200: Type.Object({ token: TokenSchema, holders: Type.Integer(), top: Type.Array(Type.Object({ address: Type.String(), balance: Type.String(), value: Nullable(Type.String()) })) }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const { chain, address } = parseRef(req.params.ref, 'token');
    const t = await token(chain, address);
    const h = await holders(pool, chain, address, req.query.limit);
    return { token: t, holders: h.count, top: h.top.map((x) => ({ ...x, value: t.standard === 'erc20' ? scale(x.balance, t.decimals) : null })) };
  });

  app.get('/tokens/:ref/holders/history', {
    schema: {
      summary: 'Holder count at the end of each UTC day', tags: ['chain'],
      params: Ref,
      response: { 200: Type.Object({ token: TokenSchema, history: Type.Array(Type.Object({ day: Type.Integer({ description: 'Epoch ms of the UTC day' }), holders: Type.Integer() })) }), ...errors(400, 404) },
    },
  }, async (req) => {
    const { chain, address } = parseRef(req.params.ref, 'token');
    const t = await token(chain, address);
    return { token: t, history: await holderHistory(pool, chain, address, Date.now()) };
  });

  app.get('/tokens/:ref/transfers', {
    schema: {
      summary: 'A token\'s transfers, newest first', tags: ['chain'],
      params: Ref,
      querystring: Type.Object({ limit: Limit(100, maxLimit), before: Type.Optional(Type.String({ description: '`next` of the previous page' })) }),
      response: { 200: TransferPage, ...errors(400, 404) },
    },
  }, async (req) => {
    const { chain, address } = parseRef(req.params.ref, 'token');
    await token(chain, address);
    return page(chain, { token: address }, req.query.limit, req.query.before);
  });

  app.get('/wallets/:ref/transfers', {
    schema: {
      summary: 'A wallet\'s transfers of the indexed tokens, newest first', tags: ['chain'],
      params: Ref,
      querystring: Type.Object({ limit: Limit(100, maxLimit), before: Type.Optional(Type.String({ description: '`next` of the previous page' })) }),
      response: { 200: TransferPage, ...errors(400, 404) },
    },
  }, async (req) => {
    const { chain, address } = parseRef(req.params.ref, 'wallet');
    return page(chain, { wallet: address }, req.query.limit, req.query.before);
  });
};
