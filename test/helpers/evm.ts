// A real local EVM chain for tests: Ganache in process on loopback (installed from npm, no
// binary download), small test tokens compiled at test time with solc (npm, wasm), and the
// Uniswap V2 factory and pair from @uniswap/v2-core's published build artifacts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ganache from 'ganache';
import { createPublicClient, createWalletClient, encodeDeployData, encodeFunctionData, http, type Abi, type Hex, type PublicClient, type WalletClient } from 'viem';

const require = createRequire(import.meta.url);

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract TestToken {
  string public name; string public symbol; uint8 public decimals; uint256 public totalSupply;
  mapping(address => uint256) public balanceOf;
  mapping(address => mapping(address => uint256)) public allowance;
  event Transfer(address indexed from, address indexed to, uint256 value);
  event Approval(address indexed owner, address indexed spender, uint256 value);
  constructor(string memory n, string memory s, uint8 d) { name = n; symbol = s; decimals = d; }
  function mint(address to, uint256 v) external { totalSupply += v; balanceOf[to] += v; emit Transfer(address(0), to, v); }
  function approve(address sp, uint256 v) external returns (bool) { allowance[msg.sender][sp] = v; emit Approval(msg.sender, sp, v); return true; }
  function transfer(address to, uint256 v) external returns (bool) { _move(msg.sender, to, v); return true; }
  function transferFrom(address f, address to, uint256 v) external returns (bool) { allowance[f][msg.sender] -= v; _move(f, to, v); return true; }
  function _move(address f, address to, uint256 v) internal { balanceOf[f] -= v; balanceOf[to] += v; emit Transfer(f, to, v); }
}
contract TestNFT {
  string public name = "Test Apes"; string public symbol = "TAPE";
  mapping(uint256 => address) public ownerOf; mapping(address => uint256) public balanceOf;
  event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
  function mint(address to, uint256 id) external { require(ownerOf[id] == address(0)); ownerOf[id] = to; balanceOf[to]++; emit Transfer(address(0), to, id); }
  function transferFrom(address f, address to, uint256 id) external { require(ownerOf[id] == f && msg.sender == f); ownerOf[id] = to; balanceOf[f]--; balanceOf[to]++; emit Transfer(f, to, id); }
}
interface IV3Pool {
  function token0() external view returns (address);
  function token1() external view returns (address);
  function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data) external returns (uint256, uint256);
  function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, bytes calldata data) external returns (int256, int256);
}
interface IPayable { function transferFrom(address f, address to, uint256 v) external returns (bool); }
/// Pays Uniswap V3 pools from the caller's approved tokens (what the periphery's routers do).
contract V3Helper {
  function mint(address pool, int24 lo, int24 hi, uint128 amount) external { IV3Pool(pool).mint(msg.sender, lo, hi, amount, abi.encode(msg.sender)); }
  function swap(address pool, bool zeroForOne, int256 amount, uint160 limit) external { IV3Pool(pool).swap(msg.sender, zeroForOne, amount, limit, abi.encode(msg.sender)); }
  function uniswapV3MintCallback(uint256 a0, uint256 a1, bytes calldata d) external { _pay(a0, a1, d); }
  function uniswapV3SwapCallback(int256 d0, int256 d1, bytes calldata d) external { _pay(d0 > 0 ? uint256(d0) : 0, d1 > 0 ? uint256(d1) : 0, d); }
  function _pay(uint256 a0, uint256 a1, bytes calldata d) internal {
    address payer = abi.decode(d, (address));
    if (a0 > 0) IPayable(IV3Pool(msg.sender).token0()).transferFrom(payer, msg.sender, a0);
    if (a1 > 0) IPayable(IV3Pool(msg.sender).token1()).transferFrom(payer, msg.sender, a1);
  }
}
contract TestMulti {
  mapping(uint256 => mapping(address => uint256)) public balanceOf;
  event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
  event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
  function mint(address to, uint256 id, uint256 v) external { balanceOf[id][to] += v; emit TransferSingle(msg.sender, address(0), to, id, v); }
  function batchTransfer(address to, uint256[] calldata ids, uint256[] calldata vs) external {
    for (uint i = 0; i < ids.length; i++) { balanceOf[ids[i]][msg.sender] -= vs[i]; balanceOf[ids[i]][to] += vs[i]; }
    emit TransferBatch(msg.sender, msg.sender, to, ids, vs);
  }
}`;

export interface Artifact { abi: Abi; bytecode: Hex }

let compiled: Record<string, Artifact> | null = null;
export function testContracts(): Record<'TestToken' | 'TestNFT' | 'TestMulti' | 'V3Helper', Artifact> {
  if (!compiled) {
    const solc = require('solc');
    // Compiling takes seconds of CPU; test files share the result through a file keyed by source and compiler.
    const cache = join(tmpdir(), `wick-test-contracts-${createHash('sha256').update(SOURCE + solc.version()).digest('hex').slice(0, 16)}.json`);
    if (existsSync(cache)) {
      compiled = JSON.parse(readFileSync(cache, 'utf8')) as Record<string, Artifact>;
      return compiled as Record<'TestToken' | 'TestNFT' | 'TestMulti' | 'V3Helper', Artifact>;
    }
    const input = {
      language: 'Solidity',
      sources: { 'Test.sol': { content: SOURCE } },
      settings: { evmVersion: 'paris', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input)));
    const errs = (out.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
    if (errs.length) throw new Error(errs.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n'));
    compiled = Object.fromEntries(Object.entries(out.contracts['Test.sol'] as Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>).map(([k, v]) => [k, { abi: v.abi, bytecode: `0x${v.evm.bytecode.object}` as Hex }]));
    const tmp = `${cache}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(compiled));
    renameSync(tmp, cache);
  }
  return compiled as Record<'TestToken' | 'TestNFT' | 'TestMulti' | 'V3Helper', Artifact>;
}

export function uniswapV3(name: 'UniswapV3Factory' | 'UniswapV3Pool'): Artifact {
  const j = require(`@uniswap/v3-core/artifacts/contracts/${name}.sol/${name}.json`);
  return { abi: j.abi, bytecode: j.bytecode as Hex };
}

export function uniswapV2(name: 'UniswapV2Factory' | 'UniswapV2Pair'): Artifact {
  const j = require(`@uniswap/v2-core/build/${name}.json`);
  return { abi: j.abi, bytecode: `0x${String(j.bytecode).replace(/^0x/, '')}` as Hex };
}

export interface LocalChain {
  url: string;
  chainId: number;
  accounts: Hex[];
  pub: PublicClient;
  wallet: WalletClient;
  /** Sends a transaction and waits for its receipt (ganache mines one block per transaction). */
  send(from: Hex, to: Hex, abi: Abi, functionName: string, args: unknown[]): Promise<{ blockNumber: bigint; hash: Hex }>;
  deploy(from: Hex, a: Artifact, args?: unknown[]): Promise<Hex>;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function localChain(chainId = 1337): Promise<LocalChain> {
  const server = ganache.server({
    logging: { quiet: true },
    chain: { chainId, hardfork: 'shanghai', allowUnlimitedContractSize: true },
    wallet: { deterministic: true, totalAccounts: 6 },
    miner: { instamine: 'eager' },
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const chain = { id: chainId, name: 'local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } } as const;
  const pub = createPublicClient({ chain, transport: http(url) }) as PublicClient;
  const wallet = createWalletClient({ chain, transport: http(url) });
  const accounts = (await wallet.getAddresses()).map((a) => a.toLowerCase() as Hex);
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => pub.request({ method, params } as never) as Promise<T>;
  return {
    url, chainId, accounts, pub, wallet, rpc,
    async send(from, to, abi, functionName, args) {
      const data = encodeFunctionData({ abi, functionName, args } as never);
      const hash = await rpc<Hex>('eth_sendTransaction', [{ from, to, data, gas: '0x7a1200' }]);
      const r = await pub.getTransactionReceipt({ hash });
      if (r.status !== 'success') throw new Error(`${functionName} reverted`);
      return { blockNumber: r.blockNumber, hash };
    },
    async deploy(from, a, args = []) {
      const data = encodeDeployData({ abi: a.abi, bytecode: a.bytecode, args } as never);
      const hash = await rpc<Hex>('eth_sendTransaction', [{ from, data, gas: '0x7a1200' }]);
      const r = await pub.getTransactionReceipt({ hash });
      if (r.status !== 'success') throw new Error('deployment reverted');
      return r.contractAddress!.toLowerCase() as Hex;
    },
    close: () => server.close(),
  };
}
