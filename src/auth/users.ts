// User accounts: sign-up, e-mail verification, password login and reset. Roles: "user"
// and "admin" (admins manage every rule). API keys (security issue) reference users.id.
import type { Pool } from '../db/pool.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

export type Role = 'user' | 'admin';

export interface User {
  id: number;
  email: string;
  role: Role;
  emailVerified: boolean;
  createdAt: number;
}

interface UserRow { id: number; email: string; role: Role; email_verified_at: Date | null; created_at: Date; password_hash: string }

const toUser = (r: UserRow): User => ({ id: Number(r.id), email: r.email, role: r.role, emailVerified: r.email_verified_at !== null, createdAt: r.created_at.getTime() });

export class AccountError extends Error {
  constructor(readonly field: string, message: string, readonly status = 400) {
    super(message);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$/;

export function checkEmail(email: string): string {
  const e = email.trim();
  if (!EMAIL.test(e) || e.length > 254) throw new AccountError('email', `"${email}" is not an e-mail address`);
  return e;
}

export async function createUser(pool: Pool, o: { email: string; password: string; role?: Role; verified?: boolean }): Promise<User> {
  const email = checkEmail(o.email);
  const problem = passwordProblem(o.password);
  if (problem) throw new AccountError('password', `password ${problem}`);
  const hash = await hashPassword(o.password);
  const r = await pool.query<UserRow>(
    `INSERT INTO users (email, password_hash, role, email_verified_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING *`,
    [email, hash, o.role ?? 'user', o.verified ?? false],
  );
  if (r.rows.length === 0) throw new AccountError('email', `an account for ${email} already exists`, 409);
  return toUser(r.rows[0]);
}

export async function getUser(pool: Pool, id: number): Promise<User | null> {
  const r = await pool.query<UserRow>(`SELECT * FROM users WHERE id = $1`, [id]);
  return r.rows[0] ? toUser(r.rows[0]) : null;
}

export async function findUserByEmail(pool: Pool, email: string): Promise<(User & { passwordHash: string }) | null> {
  const r = await pool.query<UserRow>(`SELECT * FROM users WHERE lower(email) = lower($1)`, [email.trim()]);
  return r.rows[0] ? { ...toUser(r.rows[0]), passwordHash: r.rows[0].password_hash } : null;
}

/** The user when e-mail and password match; null otherwise (same answer for unknown e-mail). */
export async function checkLogin(pool: Pool, email: string, password: string): Promise<User | null> {
  const u = await findUserByEmail(pool, email);
  if (!u) {
    await hashPassword(password); // same cost either way: no account enumeration by timing
    return null;
  }
  return (await verifyPassword(password, u.passwordHash)) ? u : null;
}

export async function markVerified(pool: Pool, id: number): Promise<void> {
  await pool.query(`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = $1`, [id]);
}

/** Sets a new password and ends every session of the user. */
export async function setPassword(pool: Pool, id: number, password: string): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new AccountError('password', `password ${problem}`);
  await pool.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, await hashPassword(password)]);
  await pool.query(`DELETE FROM user_sessions WHERE user_id = $1`, [id]);
}

/** A short fingerprint of the password hash: reset tokens carry it, so a used one stops working. */
export function passwordFingerprint(hash: string): string {
  return hash.slice(-12);
}

export async function setRole(pool: Pool, id: number, role: Role): Promise<void> {
  await pool.query(`UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, [id, role]);
}
