import { checkpointText, generateSignerKey, openCheckpoint, parseSignerKey, parseVerifierKey, signNote } from '../src/modules/trace/signed-note';

const root = Buffer.alloc(32, 7);
const signer = parseSignerKey(generateSignerKey('otomoto.ma/trace'));
const verifier = parseVerifierKey(signer.text);

describe('checkpoints as signed notes', () => {
  it('writes the C2SP checkpoint text and a signature line that its verifier key opens', () => {
    const note = signNote(checkpointText('otomoto.ma/trace', 1843, root), signer);
    expect(note).toMatch(/^otomoto\.ma\/trace\n1843\n[A-Za-z0-9+/]{43}=\n\n\u2014 otomoto\.ma\/trace [A-Za-z0-9+/]{91}=\n$/u);
    expect(openCheckpoint(note, verifier)).toEqual({ origin: 'otomoto.ma/trace', treeSize: 1843, root });
  });

  it('rejects another key, an edited size or root, and a flipped bit of the signature', () => {
    const note = signNote(checkpointText('otomoto.ma/trace', 1843, root), signer);
    const other = parseVerifierKey(parseSignerKey(generateSignerKey('otomoto.ma/trace')).text);
    expect(() => openCheckpoint(note, other)).toThrow(/no valid signature/);
    expect(() => openCheckpoint(note.replace('\n1843\n', '\n1844\n'), verifier)).toThrow(/no valid signature/);
    expect(() => openCheckpoint(note.replace(root.toString('base64'), Buffer.alloc(32, 8).toString('base64')), verifier)).toThrow(/no valid signature/);
    const line = note.split('\n')[4] as string;
    const blob = Buffer.from(line.split(' ')[2] as string, 'base64');
    blob[40] = (blob[40] as number) ^ 1;
    expect(() => openCheckpoint(note.replace(line, `\u2014 otomoto.ma/trace ${blob.toString('base64')}`), verifier)).toThrow(/no valid signature/);
  });

  it('keeps working with a witness cosignature after ours', () => {
    const note = signNote(checkpointText('otomoto.ma/trace', 5, root), signer);
    const cosigned = `${note}\u2014 witness.example ${Buffer.alloc(68, 1).toString('base64')}\n`;
    expect(openCheckpoint(cosigned, verifier).treeSize).toBe(5);
  });

  it('refuses keys whose id does not match their name and key', () => {
    expect(() => parseVerifierKey(verifier.text.replace(`+${verifier.keyId}+`, '+00000000+'))).toThrow(/does not match/);
    expect(() => parseVerifierKey('otomoto.ma/trace+1234')).toThrow(/not a verifier key/);
  });
});
