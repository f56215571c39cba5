import type * as ZxcvbnCore from '@zxcvbn-ts/core';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as CommonLanguage from '@zxcvbn-ts/language-common';
import type * as EnglishLanguage from '@zxcvbn-ts/language-en';
import type * as FrenchLanguage from '@zxcvbn-ts/language-fr';
import { Problem } from '../../http/problems';

/**
 * zxcvbn's score 3 means an estimated 10^8 guesses or more: out of reach of an online attack
 * throttled as ours is, while the common and breached passwords of its lists (in French and
 * English), keyboard walks, repeats, dates and the account's own email or name score lower.
 * Length (12 to 128) and "not only white space" are in the contract itself. No composition rules
 * (NIST SP 800-63B §3.1.1.2): any character counts, a long passphrase passes.
 */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/** The dictionaries take about a second to load: only the first password check pays for it. */
function loadEstimator(): ZxcvbnFactory {
  if (estimator) return estimator;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof ZxcvbnCore;
  const common = require('@zxcvbn-ts/language-common') as typeof CommonLanguage;
  const en = require('@zxcvbn-ts/language-en') as typeof EnglishLanguage;
  const fr = require('@zxcvbn-ts/language-fr') as typeof FrenchLanguage;
  /* eslint-enable @typescript-eslint/no-require-imports */
  estimator = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary, ...fr.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

/** Words a guesser would try first for this account: its email, the email's local part, its name. */
function contextWords(context: { email?: string; displayName?: string }): string[] {
  const words = ['otomoto'];
  if (context.email) words.push(context.email, context.email.split('@')[0] as string);
  if (context.displayName) words.push(...context.displayName.split(/\s+/), context.displayName.replace(/\s+/g, ''));
  return words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3);
}

/** Why a password would be refused, or null when it is strong enough. */
export function passwordWeakness(password: string, context: { email?: string; displayName?: string } = {}): string | null {
  const result = loadEstimator().check(password, contextWords(context));
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const hint = result.feedback.warning ?? 'It would be guessed too easily.';
  return `is too easy to guess: ${hint.replace(/\.$/, '')}. Use a longer passphrase of unrelated words.`;
}

/** Throws `weak-password` naming the field, for the API. */
export function assertStrongPassword(password: string, field: string, context: { email?: string; displayName?: string } = {}): void {
  const weakness = passwordWeakness(password, context);
  if (weakness) throw new Problem('weak-password', 'The password is common, breached or easy to guess; choose another.', { errors: [{ path: field, message: weakness }] });
}
