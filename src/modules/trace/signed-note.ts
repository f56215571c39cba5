import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), the format
 * Go's golang.org/x/mod/sumdb/note and the transparency-log tooling read: a text of lines, a blank
 * line, then one `— <key name> <base64(key hash ‖ signature)>` line per signature. Keys are
 * Ed25519, written in that format's own key encodings:
 *
 * - verifier key: `<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ 32-byte public key)>`
 * - signer key:   `PRIVATE+KEY+<name>+<key hash>+<base64(0x01 ‖ 32-byte seed)>`
 *
 * where the key hash is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). Pure: the
 * offline verifier uses this file as the server does.
 */

const ED25519 = 0x01;
// DER prefixes of an Ed25519 key in PKCS #8 (private) and SubjectPublicKeyInfo (public), before the 32 raw bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const NAME = /^[^\s+]+$/u;

export interface VerifierKey {
  name: string;
  /** 8 lower-case hex digits. */
  keyId: string;
  publicKey: Buffer;
  /** The key in its text form. */
  text: string;
}

export interface SignerKey extends VerifierKey {
  privateKey: KeyObject;
}

function keyHash(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

const verifierText = (name: string, keyId: string, publicKey: Buffer): string => `${name}+${keyId}+${Buffer.concat([Buffer.from([ED25519]), publicKey]).toString('base64')}`;

/** Decodes `base64(0x01 ‖ 32 bytes)` of a key, or null. */
function keyBytes(encoded: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const bytes = Buffer.from(encoded, 'base64');
  return bytes.length === 33 && bytes[0] === ED25519 ? bytes.subarray(1) : null;
}

/** The first `fields` '+'-separated fields of a key, the last one taking the rest (base64 has '+' in it). */
function keyFields(text: string, fields: number): string[] {
  const parts = text.trim().split('+');
  return parts.length < fields ? [] : [...parts.slice(0, fields - 1), parts.slice(fields - 1).join('+')];
}

export function parseVerifierKey(text: string): VerifierKey {
  const [name, keyId, encoded] = keyFields(text, 3);
  const publicKey = encoded ? keyBytes(encoded) : null;
  if (!name || !NAME.test(name) || !keyId || !/^[0-9a-f]{8}$/.test(keyId) || !publicKey) throw new Error('not a verifier key (name+keyid+base64 Ed25519 key)');
  if (keyHash(name, publicKey).toString('hex') !== keyId) throw new Error('the verifier key id does not match its name and key');
  return { name, keyId, publicKey, text: verifierText(name, keyId, publicKey) };
}

export function parseSignerKey(text: string): SignerKey {
  const [p, k, name, keyId, encoded] = keyFields(text, 5);
  const seed = encoded ? keyBytes(encoded) : null;
  if (p !== 'PRIVATE' || k !== 'KEY' || !name || !NAME.test(name) || !keyId || !seed) throw new Error('not a signer key (PRIVATE+KEY+name+keyid+base64 Ed25519 seed)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const expected = keyHash(name, publicKey).toString('hex');
  if (keyId !== expected) throw new Error('the signer key id does not match its name and key');
  return { name, keyId, publicKey, privateKey, text: verifierText(name, keyId, publicKey) };
}

/** A new Ed25519 signer key named `name`, in its text form. */
export function generateSignerKey(name: string): string {
  if (!NAME.test(name)) throw new Error('a key name has no spaces and no "+"');
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return `PRIVATE+KEY+${name}+${keyHash(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), seed]).toString('base64')}`;
}

/** The note text of a checkpoint (c2sp.org/tlog-checkpoint): origin, tree size, base64 root hash. */
export const checkpointText = (origin: string, treeSize: number, root: Buffer): string => `${origin}\n${treeSize}\n${root.toString('base64')}\n`;

/** The text signed by `key`, as a signed note. */
export function signNote(text: string, key: SignerKey): string {
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  const blob = Buffer.concat([Buffer.from(key.keyId, 'hex'), signature]).toString('base64');
  return `${text}\n\u2014 ${key.name} ${blob}\n`;
}

export interface OpenedCheckpoint {
  origin: string;
  treeSize: number;
  root: Buffer;
}

/**
 * The checkpoint a note holds, once a signature by `key` over its text verifies; throws naming
 * what is wrong otherwise. Signatures by other keys are allowed (witnesses cosign) and ignored.
 */
export function openCheckpoint(note: string, key: VerifierKey): OpenedCheckpoint {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note (no blank line before the signatures)');
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2, -1).split('\n');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key.publicKey]), format: 'der', type: 'spki' });
  const signedByKey = signatures.some((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!match || match[1] !== key.name) return false;
    const blob = Buffer.from(match[2] as string, 'base64');
    return blob.length === 68 && blob.subarray(0, 4).toString('hex') === key.keyId && verify(null, Buffer.from(text, 'utf8'), publicKey, blob.subarray(4));
  });
  if (!signedByKey) throw new Error(`the checkpoint carries no valid signature by ${key.name}+${key.keyId}`);
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root] = lines;
  if (!origin || !size || !/^(0|[1-9][0-9]{0,15})$/.test(size) || !root) throw new Error('the checkpoint text is not origin, tree size and root hash');
  const rootBytes = Buffer.from(root, 'base64');
  if (rootBytes.length !== 32 || rootBytes.toString('base64') !== root) throw new Error('the checkpoint root is not a base64 SHA-256 hash');
  return { origin, treeSize: Number(size), root: rootBytes };
}
